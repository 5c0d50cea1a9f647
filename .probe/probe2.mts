import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { HttpClient } from '/work/main/engine/endpoint/http-client.ts';
import type { AddressInfo } from 'node:net';
const http = new HttpClient();
async function attempt(label: string, url: string, timeoutMs = 2000) {
  try { const r = await http.send({ method: 'GET', url: new URL(url), headers: {}, body: null }, { timeoutMs }); console.log(label, 'OK', r.status); }
  catch (e: any) { console.log(label, e.errorCode, e.message, '| cause', e.cause?.code, e.cause?.name, e.cause?.message); }
}
// closed port
const tmp = netServer(); await new Promise<void>(r => tmp.listen(0, '127.0.0.1', r)); const closed = (tmp.address() as AddressInfo).port; await new Promise(r => tmp.close(r));
await attempt('refused', `http://127.0.0.1:${closed}/`);
const slow = createServer((req, res) => { setTimeout(() => res.end('late'), 1500); }); await new Promise<void>(r => slow.listen(0, '127.0.0.1', r));
await attempt('slow', `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, 300);
const slowBody = createServer((req, res) => { res.writeHead(200, {'content-length': '10'}); res.write('abc'); setTimeout(() => res.end('defghij'), 1500); }); await new Promise<void>(r => slowBody.listen(0, '127.0.0.1', r));
await attempt('slowbody', `http://127.0.0.1:${(slowBody.address() as AddressInfo).port}/`, 300);
const reset = createServer((req, res) => { res.writeHead(200, {'content-length': '100'}); res.write('partial'); setTimeout(() => req.socket.destroy(), 20); }); await new Promise<void>(r => reset.listen(0, '127.0.0.1', r));
await attempt('reset', `http://127.0.0.1:${(reset.address() as AddressInfo).port}/`);
const reset2 = createServer((req, res) => { req.socket.destroy(); }); await new Promise<void>(r => reset2.listen(0, '127.0.0.1', r));
await attempt('reset-before-head', `http://127.0.0.1:${(reset2.address() as AddressInfo).port}/`);
const reset3 = createServer((req, res) => { res.writeHead(200, {'transfer-encoding': 'chunked'}); res.write('partial'); setTimeout(() => req.socket.destroy(), 20); }); await new Promise<void>(r => reset3.listen(0, '127.0.0.1', r));
await attempt('reset-chunked', `http://127.0.0.1:${(reset3.address() as AddressInfo).port}/`);
const rst = netServer((s) => { s.once('data', () => { s.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc'); setTimeout(() => s.resetAndDestroy(), 20); }); }); await new Promise<void>(r => rst.listen(0, '127.0.0.1', r));
await attempt('rst', `http://127.0.0.1:${(rst.address() as AddressInfo).port}/`);
const garbage = netServer((s) => { s.once('data', () => { s.end('\x00\x01garbage not http at all\r\n\r\n'); }); }); await new Promise<void>(r => garbage.listen(0, '127.0.0.1', r));
await attempt('garbage', `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/`);
const garbage2 = netServer((s) => { s.once('data', () => { s.write('HELLO WORLD\r\n\r\n'); }); }); await new Promise<void>(r => garbage2.listen(0, '127.0.0.1', r));
await attempt('garbage2', `http://127.0.0.1:${(garbage2.address() as AddressInfo).port}/`);
await http.close(); slow.close(); slowBody.close(); reset.close(); reset2.close(); reset3.close(); rst.close(); garbage.close(); garbage2.close();
slow.closeAllConnections(); slowBody.closeAllConnections();
