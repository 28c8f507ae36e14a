// PaymentsPort: where money comes from before it becomes a wallet credit. A card processor
// (Stripe, Adyen…) plugs in here; today the only adapter records payments an operator received
// elsewhere (bank transfer, invoice, promotion).
// Promises: collect() either returns a settled payment with a reference unique to that payment,
// or throws (an UpstreamError for a processor that could not be reached, a ValidationError for a
// payment refused). The same idempotencyKey always yields the same reference, and the ledger
// refuses a reference twice, so a retried top-up credits once.
// Leaves out: refunds, invoices, taxes, stored cards, currencies other than USD, webhooks.

export interface PaymentRequest {
  orgId: string;
  /** Micro-units (1 USD = 1,000,000), > 0. */
  amount: number;
  currency: 'USD';
  /** The caller's key for this payment: retries with the same key are the same payment. */
  idempotencyKey: string;
  description: string;
}

export interface PaymentResult {
  /** Unique per payment; stored on the ledger entry. */
  reference: string;
  provider: string;
}

export interface PaymentsPort {
  readonly provider: string;
  collect(req: PaymentRequest): Promise<PaymentResult>;
}
