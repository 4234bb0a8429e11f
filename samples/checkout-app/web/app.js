// The frontend: calls the public trigger of the function. No key, no token.
const CLOUD = new URLSearchParams(location.search).get('cloud') || 'http://127.0.0.1:8787';
const FUNCTION_URL = `${CLOUD}/fn/demo/create-checkout`;

document.getElementById('pay').addEventListener('click', async () => {
  const out = document.getElementById('out');
  out.textContent = 'Calling ' + FUNCTION_URL + ' …';
  try {
    const res = await fetch(FUNCTION_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ currency: 'usd', items: [{ name: 'Coffee beans', cents: 1250, quantity: 2 }] }),
    });
    const body = await res.json();
    out.textContent = `HTTP ${res.status}\n` + JSON.stringify(body, null, 2);
  } catch (e) {
    out.textContent = 'The call failed: ' + e.message + '\nIs the local cloud running?';
  }
});
