LOAD <http://127.0.0.1:LISTENER_PORT/\u0064ata.ttl>
