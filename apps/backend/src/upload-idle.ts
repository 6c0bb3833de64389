import type { FastifyRequest } from 'fastify';

/**
 * Cuts the connection of a request whose body goes quiet for `idleMs` while it is being read: the
 * socket's own idle timer, armed only for the upload (an inference may then run for minutes with a
 * silent socket). Without it, a client trickling a few bytes a minute holds its place for ever.
 */
export function watchUploadIdle(request: FastifyRequest, idleMs: number): { stop(): void } {
  const raw = request.raw;
  if (raw.complete) return { stop: () => {} };
  const socket = raw.socket;
  const onTimeout = (): void => {
    request.log.warn({ idleMs }, 'upload went quiet; closing the connection');
    socket.destroy();
  };
  socket.setTimeout(idleMs);
  socket.on('timeout', onTimeout);
  return {
    stop: () => {
      socket.off('timeout', onTimeout);
      if (!socket.destroyed) socket.setTimeout(0);
    },
  };
}
