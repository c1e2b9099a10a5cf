/**
 * A business rule said no (out of stock, not the customer's order, outside the return window). The
 * message is safe to show: the agent gets it as the tool's error, the API answers 409 with it.
 */
export class Refusal extends Error {
  constructor(
    message: string,
    readonly code = 'refused',
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
