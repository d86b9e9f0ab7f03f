PREFIX lst: <http://127.0.0.1:LISTENER_PORT/> LOADlst:data.ttl
