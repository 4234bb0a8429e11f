// A cap on open connections. A flood of idle or half-sent connections (slow loris) would
// otherwise hold every file descriptor, and the server would refuse everyone, its own health
// check included. At the cap, a new connection closes the oldest one that has no request in
// progress (idle keep-alive, or headers still trickling in); only when every connection is
// busy with a request is the newcomer turned away.
import type * as http from 'http';
import type { Socket } from 'net';

export function capConnections(server: http.Server, max: number, log: (line: string) => void): void {
  /** Open sockets, oldest first, with the number of requests each has in progress. */
  const open = new Map<Socket, { busy: number }>();
  let lastNotice = 0;
  const notice = (text: string): void => {
    const now = Date.now();
    if (now - lastNotice < 10_000) return;
    lastNotice = now;
    log(text);
  };
  server.on('connection', (socket: Socket) => {
    if (open.size >= max) {
      let evicted = false;
      for (const [s, state] of open) {
        if (state.busy === 0) {
          open.delete(s);
          s.destroy();
          evicted = true;
          break;
        }
      }
      if (!evicted) {
        notice(
          `Connection limit (${max}) reached with every connection busy; refusing new connections until one ends.`,
        );
        socket.destroy();
        return;
      }
      notice(`Connection limit (${max}) reached; closing the oldest idle connections to make room.`);
    }
    open.set(socket, { busy: 0 });
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const state = open.get(req.socket);
    if (!state) return;
    state.busy++;
    res.once('close', () => {
      state.busy--;
    });
  });
}
