import { stripeAmount } from './stripe-payments';

describe('amounts sent to Stripe', () => {
  test("are in the currency's smallest unit", () => {
    expect(stripeAmount(5990, 'EUR')).toBe(5990);
    expect(stripeAmount(150000, 'JPY')).toBe(1500); // 1,500 yen: no decimals
    expect(stripeAmount(1250, 'KWD')).toBe(12500); // 12.500 dinar: three decimals
  });
});
