PREFIX loader: <http://example.org/loader#>
INSERT DATA { <http://example.org/load> loader:service "SERVICE <http://127.0.0.1:9/> LOAD" }
