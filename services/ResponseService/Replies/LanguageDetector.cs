using System.Text.RegularExpressions;

namespace GmailAutomation.ResponseService.Replies;

/// <summary>
/// Tells English, German, Spanish, French and Portuguese mail apart by their most frequent function words (plus a
/// few letters only some of them use). Good enough for choosing a reply language; unknown text is English.
/// </summary>
public static partial class LanguageDetector
{
    private static readonly Dictionary<string, HashSet<string>> StopWords = new()
    {
        ["en"] = ["the", "and", "you", "to", "is", "are", "we", "for", "with", "this", "that", "please", "can", "could", "would", "will", "thanks", "thank", "hi", "hello", "dear", "of", "your", "our", "meeting", "let", "me", "know", "on", "at"],
        ["de"] = ["der", "die", "das", "und", "ich", "sie", "wir", "nicht", "ist", "mit", "für", "ein", "eine", "bitte", "können", "könnten", "danke", "hallo", "liebe", "lieber", "ihnen", "uns", "zu", "den", "dem", "auf", "am", "um", "gerne", "gern", "viele", "grüße", "termin", "wäre", "es"],
        ["es"] = ["el", "la", "los", "las", "y", "que", "de", "en", "por", "para", "con", "una", "un", "hola", "gracias", "usted", "nos", "podemos", "podría", "puede", "es", "está", "reunión", "saludos", "querido", "querida", "estimado", "estimada", "del", "al", "su", "mi", "me"],
        ["fr"] = ["le", "la", "les", "et", "je", "vous", "nous", "est", "pour", "avec", "une", "un", "bonjour", "merci", "pouvez", "pourriez", "des", "du", "au", "cordialement", "réunion", "dans", "pas", "ce"],
        ["pt"] = ["o", "a", "os", "as", "e", "que", "de", "em", "por", "para", "com", "uma", "um", "olá", "obrigado", "obrigada", "você", "nós", "podemos", "reunião", "não", "é", "está", "atenciosamente"],
    };

    public static IReadOnlyList<string> Supported { get; } = ["en", "de", "es", "fr", "pt"];

    public static string Detect(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "en";
        }

        var scores = StopWords.Keys.ToDictionary(k => k, _ => 0.0);
        var words = 0;
        foreach (Match word in Word().Matches(text.Length > 4000 ? text[..4000] : text))
        {
            words++;
            var w = word.Value.ToLowerInvariant();
            foreach (var (language, set) in StopWords)
            {
                if (set.Contains(w))
                {
                    scores[language] += 1;
                }
            }
        }

        // Letters that settle close calls.
        scores["de"] += Count(text, "ä", "ö", "ü", "ß") * 0.5;
        scores["es"] += Count(text, "ñ", "¿", "¡") * 1.0 + Count(text, "ó", "á", "í") * 0.2;
        scores["fr"] += Count(text, "ç", "è", "ê", "à") * 0.5;
        scores["pt"] += Count(text, "ã", "õ", "ç") * 0.5;

        var best = scores.MaxBy(s => s.Value);
        return words == 0 || best.Value <= 0 ? "en" : best.Key;
    }

    /// <summary>The two-letter primary tag of a BCP 47 tag (<c>de-AT</c> → <c>de</c>), or null for <c>auto</c>/empty.</summary>
    public static string? Primary(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || string.Equals(tag, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var dash = tag.IndexOfAny(['-', '_']);
        return (dash > 0 ? tag[..dash] : tag).ToLowerInvariant();
    }

    private static int Count(string text, params string[] needles)
    {
        var count = 0;
        foreach (var needle in needles)
        {
            for (var i = text.IndexOf(needle, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(needle, i + needle.Length, StringComparison.OrdinalIgnoreCase))
            {
                count++;
            }
        }

        return count;
    }

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();
}
