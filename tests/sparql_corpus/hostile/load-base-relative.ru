BASE <http://127.0.0.1:LISTENER_PORT/> LOAD <data.ttl>
