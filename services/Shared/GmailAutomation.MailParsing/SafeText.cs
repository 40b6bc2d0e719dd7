namespace GmailAutomation.MailParsing;

/// <summary>
/// Keeps extracted text storable and serializable everywhere it goes: no NUL characters (RFC 5322 forbids them
/// and PostgreSQL text/jsonb refuses them), no lone UTF-16 surrogates (JSON writers replace them, so text would
/// change on its way through the bus), and cuts that never split a surrogate pair.
/// </summary>
internal static class SafeText
{
    /// <summary>The text without NULs and with lone surrogates replaced by U+FFFD; true in <paramref name="changed"/> when it had any.</summary>
    public static string Clean(string text, out bool changed)
    {
        changed = false;
        if (!NeedsCleaning(text))
        {
            return text;
        }

        changed = true;
        var clean = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                clean.Append('\uFFFD');
            }
            else
            {
                clean.Append(c);
            }
        }

        return clean.ToString();
    }

    /// <summary>At most <paramref name="max"/> characters, one fewer when the cut would fall inside a surrogate pair.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var end = max > 0 && char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..end];
    }

    private static bool NeedsCleaning(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return true;
            }

            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                return true;
            }
        }

        return false;
    }
}
