#!/bin/sh
# The README's first command ends here: a demo backend (nginx on
# 127.0.0.1:8080, in a temporary directory) and rpxd in the foreground on
# etc/rpxd.conf in front of it. Ctrl-C stops both.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/rpxd-demo.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/logs" "$dir/tmp"
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
error_log $dir/logs/error.log;
pid $dir/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:8080;
        location / {
            default_type text/plain;
            return 200 "Hello from the demo backend: Host=\$http_host path=\$request_uri X-Forwarded-For=\$http_x_forwarded_for\n";
        }
    }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir"
stop() { kill "$(cat "$dir/nginx.pid")" 2>/dev/null; rm -rf "$dir"; }
trap stop EXIT INT TERM
echo "demo backend on 127.0.0.1:8080; rpxd on port 80. Try:"
echo "  curl -H 'Host: lyncweb.example.com' http://127.0.0.1/"
"$top/rpxd" -d -f "$top/etc/rpxd.conf" -W "$top/rpxd-worker"
