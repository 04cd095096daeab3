import { Injectable } from '@nestjs/common';

/** The one door to the network for llm-mgr's own requests (probing); tests and the SSRF guard hook in here. */
@Injectable()
export class UpstreamHttp {
  fetch(url: string, init: RequestInit): Promise<Response> {
    return fetch(url, init);
  }
}
