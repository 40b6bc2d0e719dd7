using System.Text;
using MimeKit.Text;

namespace GmailAutomation.MailParsing;

/// <summary>HTML → readable plain text with MimeKit's tokenizer: text kept, scripts and styles dropped, blocks on new lines.</summary>
public static class HtmlText
{
    public static string Convert(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var text = new StringBuilder(html.Length / 2);
        using var reader = new StringReader(html);
        var tokenizer = new HtmlTokenizer(reader) { DecodeCharacterReferences = true };
        var skipDepth = 0;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when tag.Id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title:
                    if (!tag.IsEmptyElement)
                    {
                        skipDepth = Math.Max(0, skipDepth + (tag.IsEndTag ? -1 : 1));
                    }

                    break;
                case HtmlTagToken tag when IsBlock(tag.Id):
                    if (text.Length > 0 && text[^1] != '\n')
                    {
                        text.Append('\n');
                    }

                    break;
                case HtmlDataToken data when skipDepth == 0 && data is not HtmlScriptDataToken and not HtmlCDataToken:
                    AppendCollapsed(text, data.Data);
                    break;
            }
        }

        return text.ToString().Trim();
    }

    private static bool IsBlock(HtmlTagId id) => id is HtmlTagId.Br or HtmlTagId.P or HtmlTagId.Div or HtmlTagId.TR
        or HtmlTagId.LI or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6
        or HtmlTagId.Table or HtmlTagId.BlockQuote or HtmlTagId.HR or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.Pre;

    private static void AppendCollapsed(StringBuilder text, string data)
    {
        foreach (var c in data)
        {
            if (char.IsWhiteSpace(c))
            {
                if (text.Length > 0 && text[^1] is not ' ' and not '\n')
                {
                    text.Append(' ');
                }
            }
            else
            {
                text.Append(c);
            }
        }
    }
}
