LOAD SILENT <http://127.0.0.1:LISTENER_PORT/data.ttl> INTO GRAPH <http://example.org/g>
