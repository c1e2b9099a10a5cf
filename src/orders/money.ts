/** Amounts are kept in cents while computing, so totals add up exactly. */
export const toCents = (amount: number | string) => Math.round(Number(amount) * 100);
export const fromCents = (cents: number) => cents / 100;
export const formatMoney = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
