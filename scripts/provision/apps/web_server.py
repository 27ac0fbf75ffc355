"""A small stateful web service on 127.0.0.1:8080, all state in memory:
GET /hits -> increments and returns the hit counter; GET /kv/KEY -> value (404 if unset);
PUT /kv/KEY with a body -> stores it; GET /health -> ok."""
from http.server import BaseHTTPRequestHandler, HTTPServer

hits = 0
kv = {}


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global hits
        if self.path == '/hits':
            hits += 1
            self.reply(200, str(hits))
        elif self.path == '/health':
            self.reply(200, 'ok')
        elif self.path.startswith('/kv/') and self.path[4:] in kv:
            self.reply(200, kv[self.path[4:]])
        else:
            self.reply(404, 'not found')

    def do_PUT(self):
        if not self.path.startswith('/kv/'):
            return self.reply(404, 'not found')
        n = int(self.headers.get('Content-Length', 0))
        kv[self.path[4:]] = self.rfile.read(n).decode()
        self.reply(200, 'stored')

    def log_message(self, *args):
        pass  # quiet: the client hits it 5 times a second


HTTPServer(('127.0.0.1', 8080), Handler).serve_forever()
