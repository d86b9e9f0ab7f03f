PREFIX lst: <http://127.0.0.1:LISTENER_PORT/> LOAD lst:data.ttl INTO GRAPH <http://example.org/g>
