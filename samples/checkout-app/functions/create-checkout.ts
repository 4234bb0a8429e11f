// Creates a checkout session at the payment provider. The provider's secret key never
// reaches the browser or this file: it is read from the CloudXLR vault at run time.
import type { Handler } from 'cloudxlr-functions';
import { parseCart, totalCents, type Cart } from './lib/cart';

interface Session {
  id: string;
  url: string;
}

const handler: Handler<Cart> = async (request, ctx) => {
  const cart = parseCart(request.body);
  const key = await ctx.secrets.get('STRIPE_SECRET_KEY');
  const res = await fetch(`${ctx.env.PROVIDER_URL}/v1/checkout/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ amount: totalCents(cart), currency: cart.currency }),
  });
  if (!res.ok) {
    ctx.log.error('provider answered', res.status);
    throw new Error(`The payment provider refused the checkout (HTTP ${res.status}).`);
  }
  const session = (await res.json()) as Session;
  ctx.log.info('checkout session created', session.id);
  return { id: session.id, url: session.url, total: totalCents(cart) };
};

export default handler;
