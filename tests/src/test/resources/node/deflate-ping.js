// node deflate-ping.js URL PAD_CHARS
// Connects with node `ws` and its default permessage-deflate offer, sends one ping padded with
// PAD_CHARS characters, and prints one JSON line: the negotiated extensions and either the first
// reply or the close code.
const WebSocket = require('ws');
const [url, pad] = process.argv.slice(2);
const ws = new WebSocket(url);
const result = {};
const done = () => { console.log(JSON.stringify(result)); process.exit(0); };
ws.on('open', () => {
  result.extensions = ws.extensions;
  ws.send(JSON.stringify({ action: 'ping', pad: 'p'.repeat(Number(pad)) }));
});
ws.on('message', (data) => { result.reply = data.toString(); ws.close(1000); done(); });
ws.on('close', (code) => { result.close = code; done(); });
ws.on('error', (e) => { result.error = String(e); done(); });
setTimeout(() => { result.error = 'no answer within 20 s'; done(); }, 20000);
