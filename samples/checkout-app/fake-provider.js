// A fake payment provider on loopback, standing in for a real one (e.g. Stripe) in the demo:
// POST /v1/checkout/sessions with "Authorization: Bearer sk_test_…" creates a session.
// It never prints the key; it answers with the key's last four characters so the demo can
// show which key version the function used.
const http = require('http');
const crypto = require('crypto');

function startFakeProvider(port = 4242, host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/checkout/sessions') return send(404, { error: 'not found' });
    const auth = req.headers.authorization || '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!/^sk_test_[A-Za-z0-9_]{8,}$/.test(key)) return send(401, { error: 'invalid api key' });
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let order;
      try {
        order = JSON.parse(body);
      } catch {
        return send(400, { error: 'invalid json' });
      }
      const id = 'cs_test_' + crypto.randomBytes(8).toString('hex');
      send(200, { id, url: `http://${host}:${server.address().port}/pay/${id}`, amount: order.amount, currency: order.currency, keyLast4: key.slice(-4) });
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

module.exports = { startFakeProvider };

if (require.main === module) {
  const port = Number(process.env.PORT || 4242);
  startFakeProvider(port).then((s) => console.log(`Fake payment provider on http://127.0.0.1:${s.address().port}`));
}
