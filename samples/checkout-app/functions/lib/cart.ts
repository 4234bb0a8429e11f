// Cart validation, shared by functions (a folder without index.ts is not a function).
export interface Cart {
  currency: string;
  items: Array<{ name: string; cents: number; quantity: number }>;
}

export function parseCart(body: unknown): Cart {
  const cart = body as Partial<Cart> | null;
  if (!cart || !Array.isArray(cart.items) || cart.items.length === 0) throw new Error('The cart is empty.');
  for (const item of cart.items) {
    if (typeof item?.name !== 'string' || !Number.isInteger(item.cents) || !Number.isInteger(item.quantity) || item.quantity < 1) {
      throw new Error('Each cart item needs a name, a price in cents and a quantity.');
    }
  }
  return { currency: typeof cart.currency === 'string' ? cart.currency : 'usd', items: cart.items };
}

export function totalCents(cart: Cart): number {
  return cart.items.reduce((sum, i) => sum + i.cents * i.quantity, 0);
}
