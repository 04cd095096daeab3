/** One server-sent event exactly as it arrived, and the payload of its `data:` lines (null when it has none). */
export interface SseEvent {
  raw: string;
  data: string | null;
}

const EVENT_END = /\r\n\r\n|\n\n|\r\r/g;

/**
 * Cuts an SSE byte stream into whole events without changing a byte: `raw` includes the blank line that ends the
 * event, so writing every `raw` back reproduces the stream. Multi-byte characters split across reads are kept whole
 * by the streaming decoder.
 */
export class SseEventSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';

  push(bytes: Uint8Array): SseEvent[] {
    this.pending += this.decoder.decode(bytes, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    EVENT_END.lastIndex = 0;
    for (let match = EVENT_END.exec(this.pending); match !== null; match = EVENT_END.exec(this.pending)) {
      const end = match.index + match[0].length;
      events.push(toEvent(this.pending.slice(start, end)));
      start = end;
    }
    this.pending = this.pending.slice(start);
    return events;
  }

  /** What is left when the stream ends: an event without its closing blank line, passed on as it came. */
  end(): SseEvent | null {
    this.pending += this.decoder.decode();
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? null : toEvent(rest);
  }
}

function toEvent(raw: string): SseEvent {
  let data: string | null = null;
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return { raw, data };
}
