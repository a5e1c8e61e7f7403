// Money: each wallet against its ledger, each order's payment rows against the wallet's
// debits and credits for it, and the totals against each other.

#include <map>
#include <set>
#include <string>

#include "checks.h"
#include "wallet/domain/ledger.h"

namespace tinysaga::invariants::internal {
namespace {

using payment::PaymentStatus;

struct LedgerTotals {
  Total deposits;
  Total withdrawals;
  Total debits;
  Total credits;

  void Add(const LedgerRow& row) {
    switch (*wallet::ParseEntryType(row.entry_type)) {  // rows in the index are well-formed
      case wallet::EntryType::kDeposit:
        return deposits.Add(row.amount_cents);
      case wallet::EntryType::kWithdrawal:
        return withdrawals.Add(row.amount_cents);
      case wallet::EntryType::kDebit:
        return debits.Add(row.amount_cents);
      case wallet::EntryType::kCredit:
        return credits.Add(row.amount_cents);
    }
  }
  bool overflowed() const {
    return deposits.overflowed() || withdrawals.overflowed() || debits.overflowed() ||
           credits.overflowed();
  }
  // What the balance must be: deposits + credits - withdrawals - debits.
  int64_t Balance() const {
    Total balance;
    balance.Add(deposits.value());
    balance.Add(credits.value());
    balance.Add(-withdrawals.value());
    balance.Add(-debits.value());
    return balance.value();
  }
  std::string Explain() const {
    return "deposits " + std::to_string(deposits.value()) + " + credits " +
           std::to_string(credits.value()) + " - withdrawals " +
           std::to_string(withdrawals.value()) + " - debits " + std::to_string(debits.value());
  }
};

std::string Describe(const PaymentRow& row) {
  const std::string reason = row.failure_reason ? " " + *row.failure_reason : "";
  return row.type + " " + row.transaction_id + " (" + row.payment_status + reason + ", " +
         Cents(row.amount_cents) + ")";
}

std::string DescribeEntries(const std::vector<const LedgerRow*>& rows) {
  std::string text;
  for (const LedgerRow* row : rows) {
    text += (text.empty() ? "" : ", ") + row->entry_id + " (" + Cents(row->amount_cents) + ")";
  }
  return text;
}

// True when something for the order happened twice; those orders are not checked further,
// since which row counts is ambiguous.
bool ReportDuplicates(const OrderFacts& facts, Findings& findings) {
  const std::string subject = OrderSubject(facts.order_id);
  bool duplicated = false;
  for (const auto* rows : {&facts.payments, &facts.refunds}) {
    if (rows->size() < 2) continue;
    std::string text;
    for (const PaymentRow* row : *rows) text += (text.empty() ? "" : ", ") + Describe(*row);
    findings.Add(ViolationKind::kDuplicateEffect, subject,
                 std::to_string(rows->size()) + " " + rows->front()->type + " rows: " + text);
    duplicated = true;
  }
  if (facts.debits.size() > 1) {
    findings.Add(ViolationKind::kDuplicateEffect, subject,
                 "the wallet was debited " + std::to_string(facts.debits.size()) +
                     " times for the order: " + DescribeEntries(facts.debits));
    duplicated = true;
  }
  if (facts.credits.size() > 1) {
    findings.Add(ViolationKind::kDuplicateEffect, subject,
                 "the wallet was credited " + std::to_string(facts.credits.size()) +
                     " times for the order: " + DescribeEntries(facts.credits));
    duplicated = true;
  }
  return duplicated;
}

// A COMPLETED or REFUNDED payment took money: exactly one debit of its amount, from the
// payer's wallet; and no debit is without a payment. True when something was reported.
bool CheckPaymentHasDebit(const OrderFacts& facts, Findings& findings) {
  const PaymentRow* payment = facts.payment();
  const LedgerRow* debit = facts.debits.empty() ? nullptr : facts.debits.front();
  const std::string subject = OrderSubject(facts.order_id);
  if (payment && debit && debit->user_id != payment->user_id) {
    findings.Add(ViolationKind::kPaymentDebit, subject,
                 "wallet debit " + debit->entry_id + " is from " + debit->user_id +
                     "'s wallet but " + Describe(*payment) + " is " + payment->user_id + "'s");
    return true;
  }
  if (!payment && debit) {
    // Payment records a PENDING payment before it asks the wallet for anything.
    findings.Add(ViolationKind::kPaymentDebit, subject,
                 "wallet debit " + debit->entry_id + " (" + Cents(debit->amount_cents) +
                     ") is for the order, but there is no PAYMENT row");
    return true;
  }
  const auto status = facts.PaymentStatus();
  if (status != PaymentStatus::kCompleted && status != PaymentStatus::kRefunded) return false;
  if (!debit) {
    findings.Add(ViolationKind::kPaymentDebit, subject,
                 Describe(*payment) + " but the wallet has no debit for the order");
    return true;
  }
  if (debit->amount_cents != payment->amount_cents) {
    findings.Add(ViolationKind::kPaymentDebit, subject,
                 Describe(*payment) + " but wallet debit " + debit->entry_id + " is " +
                     Cents(debit->amount_cents));
    return true;
  }
  return false;
}

// A REFUNDED payment has a REFUND row of its amount; a REFUND row (of a REFUNDED payment,
// or of a FAILED one whose unseen debit it voided) gave back exactly one equal credit.
// True when something was reported.
bool CheckRefundHasCredit(const OrderFacts& facts, Findings& findings) {
  const PaymentRow* payment = facts.payment();
  const PaymentRow* refund = facts.refunds.empty() ? nullptr : facts.refunds.front();
  const LedgerRow* credit = facts.credits.empty() ? nullptr : facts.credits.front();
  const auto status = facts.PaymentStatus();
  const std::string subject = OrderSubject(facts.order_id);
  bool reported = false;
  if (status == PaymentStatus::kRefunded &&
      (!refund || refund->amount_cents != payment->amount_cents)) {
    findings.Add(ViolationKind::kRefundCredit, subject,
                 Describe(*payment) + (refund ? " but " + Describe(*refund) + " differs"
                                              : " but there is no REFUND row"));
    reported = true;
  }
  if (!refund) return reported;
  if (status != PaymentStatus::kRefunded && status != PaymentStatus::kFailed) {
    findings.Add(
        ViolationKind::kRefundCredit, subject,
        Describe(*refund) + " but " +
            (payment ? Describe(*payment) + " was not refunded" : "there is no PAYMENT row"));
    reported = true;
  }
  // A refund of nothing (it voided a debit that never happened) credits nothing.
  const bool refunded_nothing = refund->amount_cents == 0 && !credit;
  if (!refunded_nothing && (!credit || credit->amount_cents != refund->amount_cents ||
                            credit->user_id != refund->user_id)) {
    findings.Add(ViolationKind::kRefundCredit, subject,
                 Describe(*refund) + (credit ? " but wallet credit " + credit->entry_id + " is " +
                                                   Cents(credit->amount_cents) + " to " +
                                                   credit->user_id + "'s wallet"
                                             : " but the wallet has no credit for the order"));
    reported = true;
  }
  return reported;
}

// What the order costs its payer in the end: the amount of a COMPLETED payment, else nothing
// (a REFUNDED payment was given back, a FAILED one must have voided any unseen debit).
void CheckNetCharge(const OrderFacts& facts, Findings& findings) {
  const PaymentRow* payment = facts.payment();
  const auto status = facts.PaymentStatus();
  const int64_t expected = status == PaymentStatus::kCompleted ? payment->amount_cents : 0;
  const int64_t net = facts.NetChargeCents();
  if (net == expected) return;
  std::string message = "the wallet was charged " + Cents(net) + " net for the order (" +
                        std::to_string(facts.debits.size()) + " debits, " +
                        std::to_string(facts.credits.size()) + " credits) but " +
                        (payment ? Describe(*payment) : std::string("there is no PAYMENT row")) +
                        ", so it must be " + Cents(expected);
  if (status == PaymentStatus::kFailed && net > 0) {
    message += ": a debit that went through unseen was not voided";
  }
  findings.Add(ViolationKind::kNetCharge, OrderSubject(facts.order_id), message);
}

}  // namespace

void CheckWallets(const Snapshot& snapshot, const Index& index, Findings& findings,
                  Summary& summary) {
  std::map<std::string, LedgerTotals> by_user;
  LedgerTotals all;
  for (const LedgerRow* row : index.ledger) {
    by_user[row->user_id].Add(*row);
    all.Add(*row);
  }
  Total balances;
  std::set<std::string> with_wallet;
  for (const WalletRow& wallet : snapshot.wallets) {
    with_wallet.insert(wallet.user_id);
    balances.Add(wallet.balance_cents);
    const std::string subject = "wallet " + wallet.user_id;
    if (wallet.balance_cents < 0) {
      findings.Add(ViolationKind::kNegative, subject,
                   "balance " + Cents(wallet.balance_cents) + " is negative");
    }
    const LedgerTotals& totals = by_user[wallet.user_id];
    if (wallet.balance_cents != totals.Balance()) {
      findings.Add(ViolationKind::kWalletLedger, subject,
                   "balance is " + Cents(wallet.balance_cents) + " but its ledger sums to " +
                       Cents(totals.Balance()) + " (" + totals.Explain() + ")");
    }
  }
  for (const auto& [user_id, totals] : by_user) {
    if (with_wallet.contains(user_id)) continue;
    findings.Add(ViolationKind::kWalletLedger, "wallet " + user_id,
                 "no wallet row, but ledger entries sum to " + Cents(totals.Balance()) + " (" +
                     totals.Explain() + ")");
  }
  if (balances.overflowed() || all.overflowed()) {
    findings.Add(ViolationKind::kMalformedRow, "money", "the amounts overflow a 64-bit sum");
  }
  summary.wallets = static_cast<int64_t>(snapshot.wallets.size());
  summary.balances_cents = balances.value();
  summary.deposits_cents = all.deposits.value();
  summary.withdrawals_cents = all.withdrawals.value();
  summary.debits_cents = all.debits.value();
  summary.credits_cents = all.credits.value();
}

void CheckOrderMoney(const OrderFacts& facts, Findings& findings) {
  if (ReportDuplicates(facts, findings) || facts.InFlight()) return;
  const bool debit_reported = CheckPaymentHasDebit(facts, findings);
  const bool credit_reported = CheckRefundHasCredit(facts, findings);
  // The net charge follows from the two above when they hold; said once is enough.
  if (!debit_reported && !credit_reported) CheckNetCharge(facts, findings);
}

void CheckVoidedDebits(const Snapshot& snapshot, Findings& findings, Summary& summary) {
  std::map<std::string, const VoidedOperationRow*> voided;
  for (const VoidedOperationRow& row : snapshot.voided_operations) voided[row.operation_id] = &row;
  summary.voided_operations = static_cast<int64_t>(snapshot.voided_operations.size());
  for (const LedgerRow& entry : snapshot.ledger) {
    if (!entry.operation_id) continue;
    const auto found = voided.find(*entry.operation_id);
    if (found == voided.end()) continue;
    findings.Add(ViolationKind::kVoidedDebit, OrderSubject(found->second->order_id),
                 "wallet " + entry.entry_type + " " + entry.entry_id + " (" +
                     Cents(entry.amount_cents) + ") went through with operation " +
                     *entry.operation_id + ", which was voided before it happened");
  }
}

void CheckMoneyConserved(const Index& index, Findings& findings, Summary& summary) {
  Total paid;
  Total refunded;
  Total kept;       // what completed payments took, for orders at rest
  Total in_flight;  // what the wallet has charged so far for orders still in flight
  for (const auto& [order_id, facts] : index.orders) {
    for (const PaymentRow* row : facts.payments) {
      const auto status = payment::ParsePaymentStatus(row->payment_status);
      if (status == PaymentStatus::kCompleted || status == PaymentStatus::kRefunded) {
        paid.Add(row->amount_cents);
      }
      if (status == PaymentStatus::kCompleted && !facts.InFlight()) kept.Add(row->amount_cents);
    }
    for (const PaymentRow* row : facts.refunds) refunded.Add(row->amount_cents);
    if (facts.InFlight()) in_flight.Add(facts.NetChargeCents());
  }
  summary.payments_paid_cents = paid.value();
  summary.payments_refunded_cents = refunded.value();
  summary.payments_kept_cents = kept.value();
  summary.charged_in_flight_cents = in_flight.value();
  Total expected;
  expected.Add(summary.deposits_cents);
  expected.Add(-summary.withdrawals_cents);
  expected.Add(-kept.value());
  expected.Add(-in_flight.value());
  if (summary.balances_cents == expected.value()) return;
  findings.Add(ViolationKind::kMoneyNotConserved, "money",
               "wallet balances total " + Cents(summary.balances_cents) + ", but deposits " +
                   std::to_string(summary.deposits_cents) + " - withdrawals " +
                   std::to_string(summary.withdrawals_cents) + " - completed payments " +
                   std::to_string(kept.value()) + " - charged for orders in flight " +
                   std::to_string(in_flight.value()) + " = " + Cents(expected.value()));
}

void CheckRefusedRefunds(const Snapshot& snapshot, Findings& findings) {
  for (const RefusedRefundRow& refused : snapshot.refused_refunds) {
    findings.Add(ViolationKind::kRefundRefused, OrderSubject(refused.order_id),
                 "the wallet refused its refund for good (" + refused.reason +
                     "): the money stays debited until an operator acts");
  }
}

}  // namespace tinysaga::invariants::internal
