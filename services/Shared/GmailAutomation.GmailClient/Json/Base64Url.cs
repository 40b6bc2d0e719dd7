namespace GmailAutomation.GmailClient.Json;

/// <summary>
/// Gmail's bytes encoding: it emits base64url WITH '=' padding and accepts either alphabet, padded or not.
/// We write exactly what Gmail writes and read anything Gmail might send.
/// </summary>
public static class Base64Url
{
    /// <summary>URL-safe alphabet ('-', '_') with '=' padding, as Gmail emits <c>raw</c> and <c>body.data</c>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes url-safe or standard base64, with or without padding, ignoring whitespace.</summary>
    /// <exception cref="FormatException">The text is not base64 in either alphabet.</exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = new char[text.Length + 3];
        var length = 0;
        foreach (var c in text)
        {
            switch (c)
            {
                case '-':
                    chars[length++] = '+';
                    break;
                case '_':
                    chars[length++] = '/';
                    break;
                case '=' or ' ' or '\r' or '\n' or '\t':
                    break;
                default:
                    chars[length++] = c;
                    break;
            }
        }

        switch (length % 4)
        {
            case 1:
                throw new FormatException("Base64 text has an impossible length.");
            case 2:
                chars[length++] = '=';
                chars[length++] = '=';
                break;
            case 3:
                chars[length++] = '=';
                break;
        }

        return Convert.FromBase64CharArray(chars, 0, length);
    }
}
