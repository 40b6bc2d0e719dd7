using System.Text.RegularExpressions;

namespace GmailAutomation.ClassificationService.Classification;

/// <summary>The categories every account has; users may add their own names (see <see cref="IsValidName"/>).</summary>
public static partial class Categories
{
    public const string Personal = "Personal";
    public const string Work = "Work";
    public const string Meeting = "Meeting";
    public const string Newsletter = "Newsletter";
    public const string Promotion = "Promotion";
    public const string Notification = "Notification";
    public const string Receipt = "Receipt";
    public const string Spam = "Spam";

    /// <summary>Nothing decided with enough confidence: no label beyond the parent, no guess.</summary>
    public const string Other = "Other";

    public static IReadOnlyList<string> BuiltIn { get; } =
        [Personal, Work, Meeting, Newsletter, Promotion, Notification, Receipt, Spam, Other];

    /// <summary>Categories that are machine-sent by nature and never need a reply.</summary>
    public static bool IsAutomated(string category) =>
        category is Newsletter or Promotion or Notification or Receipt or Spam;

    /// <summary>A category name becomes a Gmail label segment: letters, digits, space, '-' and '_', 1–40 characters.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>The built-in spelling when <paramref name="name"/> is a built-in category in any casing.</summary>
    public static string Normalize(string name) =>
        BuiltIn.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase)) ?? name;

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N} _\-]{0,39}$")]
    private static partial Regex NamePattern();
}
