/**
 * A closed pipe or terminal is a normal event, not a reason to stop half-way: `xlp load F | head -3`
 * closes stdout under a change in progress, and a closed terminal (SIGHUP) makes writes fail with EIO.
 * Node reports both as 'error' events on the stream, which would end the process if nobody listened.
 * Output that can no longer be read is dropped; the change goes on, is finished or rolled back, and
 * journaled; the exit code stays the operation's.
 */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      // Nothing can be shown any more on this stream; stop trying, so later writes cost nothing.
      stream.write = () => true;
    });
  }
}
