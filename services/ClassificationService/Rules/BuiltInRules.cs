using GmailAutomation.ClassificationService.Classification;
using static GmailAutomation.ClassificationService.Rules.RuleCondition;

namespace GmailAutomation.ClassificationService.Rules;

/// <summary>
/// Heuristics every account starts with, written in the same rule language as user rules so that users can
/// read them and switch each one off. They run after the user's own rules, in this order.
/// </summary>
public static class BuiltInRules
{
    public const string Prefix = "builtin:";

    public static RuleDefinition CalendarInvite { get; } = new()
    {
        Id = Prefix + "calendar-invite",
        Name = "Invitations (a text/calendar part) are meetings",
        Condition = Any(HasCalendarPart, Test(RuleFields.AttachmentName, RuleOperators.EndsWith, ".ics")),
        Actions = [RuleAction.SetCategory(Categories.Meeting)],
    };

    public static RuleDefinition Receipt { get; } = new()
    {
        Id = Prefix + "receipt",
        Name = "Receipts, invoices and order confirmations",
        Condition = Test(
            RuleFields.Subject,
            RuleOperators.Regex,
            @"\b(receipt|invoice|order (confirmation|confirmed|#?\d+|number)|your order|payment (received|confirmation)|purchase confirmation|has shipped|shipping confirmation)\b"),
        Actions = [RuleAction.SetCategory(Categories.Receipt)],
    };

    public static RuleDefinition AutoSubmitted { get; } = new()
    {
        Id = Prefix + "auto-submitted",
        Name = "Auto-Submitted messages (RFC 3834) are notifications",
        Condition = All(
            Test(RuleFields.AutoSubmitted, RuleOperators.Exists),
            Not(Test(RuleFields.AutoSubmitted, RuleOperators.Equal, "no"))),
        Actions = [RuleAction.SetCategory(Categories.Notification)],
    };

    public static RuleDefinition NoReplySender { get; } = new()
    {
        Id = Prefix + "no-reply-sender",
        Name = "No-reply and robot senders are notifications",
        Condition = Test(
            RuleFields.From,
            RuleOperators.Regex,
            @"^(no-?reply|do-?not-?reply|donotreply|notifications?|notify|alerts?|mailer-daemon|postmaster|bounces?|automated)([+.\-_][^@]*)?@"),
        Actions = [RuleAction.SetCategory(Categories.Notification)],
    };

    public static RuleDefinition Promotion { get; } = new()
    {
        Id = Prefix + "promotion",
        Name = "Bulk mail that advertises a sale or an offer is a promotion",
        Condition = All(
            Any(Test(RuleFields.ListUnsubscribe, RuleOperators.Exists), Test(RuleFields.Precedence, RuleOperators.Equal, "bulk")),
            Test(
                RuleFields.Subject,
                RuleOperators.Regex,
                @"(\d+ ?% off|\bsale\b|\bdeals?\b|\bdiscount|\bcoupon|free shipping|limited[- ]time|\boffer\b|\bsave \$?\d+|promo code)")),
        Actions = [RuleAction.SetCategory(Categories.Promotion)],
    };

    public static RuleDefinition MailingList { get; } = new()
    {
        Id = Prefix + "mailing-list",
        Name = "Mailing lists (List-Id or List-Unsubscribe) are newsletters",
        Condition = Any(
            Test(RuleFields.ListId, RuleOperators.Exists),
            Test(RuleFields.ListUnsubscribe, RuleOperators.Exists),
            Test(RuleFields.Precedence, RuleOperators.Equal, "list")),
        Actions = [RuleAction.SetCategory(Categories.Newsletter)],
    };

    public static RuleDefinition BulkPrecedence { get; } = new()
    {
        Id = Prefix + "bulk-precedence",
        Name = "Precedence: bulk or junk is an automated notification",
        Condition = Any(
            Test(RuleFields.Precedence, RuleOperators.Equal, "bulk"),
            Test(RuleFields.Precedence, RuleOperators.Equal, "junk")),
        Actions = [RuleAction.SetCategory(Categories.Notification)],
    };

    public static IReadOnlyList<RuleDefinition> All { get; } =
        [CalendarInvite, Receipt, AutoSubmitted, NoReplySender, Promotion, MailingList, BulkPrecedence];

    public static bool IsBuiltIn(string ruleId) => ruleId.StartsWith(Prefix, StringComparison.Ordinal);
}
