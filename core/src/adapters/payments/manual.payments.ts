// PaymentsPort for payments an operator received outside Slipway (bank transfer, invoice, promo):
// nothing is collected, the top-up is recorded with a reference derived from the idempotency key.
import type { PaymentRequest, PaymentResult, PaymentsPort } from '../../ports/payments.port.js';

export class ManualPayments implements PaymentsPort {
  readonly provider = 'manual';

  async collect(req: PaymentRequest): Promise<PaymentResult> {
    return { reference: `manual:${req.orgId}:${req.idempotencyKey}`, provider: this.provider };
  }
}
