using System.Text.RegularExpressions;

namespace GmailAutomation.ResponseService.Replies;

/// <summary>
/// Finds the meeting times a mail proposes ("Tuesday at 10:00", "Mittwoch um 14 Uhr", "el jueves a las 9:30",
/// "March 3 at 3pm"), as written, in order of appearance and without duplicates.
/// </summary>
public static partial class ProposedTimes
{
    public static IReadOnlyList<string> Find(string? text, int max = 5)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var found = new List<string>();
        foreach (Match match in DayAndTime().Matches(text))
        {
            var value = Normalize(match.Value);
            if (!found.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                found.Add(value);
            }

            if (found.Count == max)
            {
                break;
            }
        }

        if (found.Count == 0)
        {
            foreach (Match match in TimeOnly().Matches(text))
            {
                var value = Normalize(match.Value);
                if (!found.Contains(value, StringComparer.OrdinalIgnoreCase))
                {
                    found.Add(value);
                }

                if (found.Count == max)
                {
                    break;
                }
            }
        }

        return found;
    }

    private static string Normalize(string value) => Whitespace().Replace(value.Trim().TrimEnd(',', '.', ';'), " ");

    private const string Days =
        "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|" +
        "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|morgen|heute|" +
        "lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|mañana|hoy|" +
        "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|demain";

    private const string Months =
        "january|february|march|april|may|june|july|august|september|october|november|december|" +
        "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|" +
        "januar|februar|märz|mai|juni|juli|oktober|dezember|" +
        "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre";

    private const string Clock =
        @"\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.|uhr|h\b)|\d{1,2}[:.]\d{2}(?:\s?(?:am|pm|uhr|h\b))?";

    // A day (and optional date) followed closely by a clock time: "Tuesday, March 3 at 10:00", "Dienstag um 14 Uhr".
    [GeneratedRegex(
        @"\b(?:(?:on|am|el|le)\s+)?(?:" + Days + @")\b(?:,?\s+(?:the\s+|den\s+)?(?:\d{1,2}(?:st|nd|rd|th|\.)?(?:\s+(?:of\s+|de\s+)?(?:" + Months + @"))?|(?:" + Months + @")\s+\d{1,2}(?:st|nd|rd|th)?))?,?\s+(?:at\s+|um\s+|a\s+las\s+|a\s+la\s+|à\s+|from\s+|von\s+|de\s+)?(?:" + Clock + @")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DayAndTime();

    [GeneratedRegex(@"(?<![\d:])(?:" + Clock + @")", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimeOnly();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
