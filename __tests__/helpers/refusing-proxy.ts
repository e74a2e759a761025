/**
 * A proxy in front of the local account that refuses one JSON-protocol call (by its X-Amz-Target) with an error
 * AWS could give and moto never does — e.g. UpdateStateMachine refused as InvalidDefinition — and passes every
 * other request through. Point the action at it with AWS_ENDPOINT_URL_<SERVICE>.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RefusingProxy {
  url: string;
  close(): Promise<void>;
}

export async function startRefusingProxy(options: { target: string; operation: string; error: { type: string; message: string } }): Promise<RefusingProxy> {
  const proxy = http.createServer((request, response) => {
    if (String(request.headers['x-amz-target'] ?? '').endsWith(`.${options.operation}`)) {
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': options.error.type });
      response.end(JSON.stringify({ __type: options.error.type, message: options.error.message }));
      return;
    }
    const upstream = http.request(`${options.target}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => proxy.close(() => resolve())),
  };
}
