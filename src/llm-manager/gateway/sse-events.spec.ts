import { SseEventSplitter } from './sse-events';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('SseEventSplitter', () => {
  it('cuts events at blank lines and gives them back byte for byte, whatever the read boundaries', () => {
    const stream = 'data: {"a":1}\n\n: comment\n\nevent: x\r\ndata: one\r\ndata: two\r\n\r\ndata: [DONE]\n\n';
    for (let cut = 1; cut < stream.length; cut += 1) {
      const splitter = new SseEventSplitter();
      const events = [...splitter.push(bytes(stream.slice(0, cut))), ...splitter.push(bytes(stream.slice(cut)))];
      expect(splitter.end()).toBeNull();
      expect(events.map((e) => e.raw).join('')).toBe(stream);
      expect(events.map((e) => e.data)).toEqual(['{"a":1}', null, 'one\ntwo', '[DONE]']);
    }
  });

  it('keeps a multi-byte character split across reads whole', () => {
    const encoded = bytes('data: {"c":"你好"}\n\n');
    const splitter = new SseEventSplitter();
    const events = [...splitter.push(encoded.slice(0, 13)), ...splitter.push(encoded.slice(13))];
    expect(events).toEqual([{ raw: 'data: {"c":"你好"}\n\n', data: '{"c":"你好"}' }]);
  });

  it('hands over an unterminated last event at the end, and "data:" without a space', () => {
    const splitter = new SseEventSplitter();
    expect(splitter.push(bytes('data:{"x":2}'))).toEqual([]);
    expect(splitter.end()).toEqual({ raw: 'data:{"x":2}', data: '{"x":2}' });
  });
});
