using System.Text;
using System.Text.RegularExpressions;

namespace GmailAutomation.ResponseService.Replies;

/// <summary>
/// The offline writer: a short, correct reply from templates per category and language (English, German and
/// Spanish; other languages are answered in English), shaped by tone and signature. Meeting replies list the times
/// the mail proposed. Nothing from the mail is copied except a cleaned subject, the sender's name and the times.
/// </summary>
public static partial class TemplateReplies
{
    public static IReadOnlyList<string> Languages { get; } = ["en", "de", "es"];

    /// <summary>The language a reply in <paramref name="wanted"/> is actually written in.</summary>
    public static string LanguageFor(string wanted) => Languages.Contains(wanted) ? wanted : "en";

    public static string Write(ReplyContext context)
    {
        var language = LanguageFor(context.ReplyLanguage);
        var tone = context.Tone.ToLowerInvariant() switch
        {
            "formal" => Tone.Formal,
            "concise" or "short" or "brief" => Tone.Concise,
            _ => Tone.Friendly,
        };
        var name = CleanName(context.SenderName);
        var subject = CleanSubject(context.Subject);

        var text = new StringBuilder();
        text.Append(Greeting(language, tone, name)).Append("\n\n");
        text.Append(Body(language, context.Category, subject, context.ProposedTimes)).Append("\n\n");
        text.Append(Closing(language, tone));
        if (!string.IsNullOrWhiteSpace(context.Signature))
        {
            text.Append('\n').Append(context.Signature.Trim());
        }

        return text.ToString();
    }

    private enum Tone
    {
        Friendly,
        Formal,
        Concise,
    }

    private static string Greeting(string language, Tone tone, string? name) => (language, tone, name) switch
    {
        ("de", Tone.Formal, null) => "Sehr geehrte Damen und Herren,",
        ("de", Tone.Formal, _) => $"Guten Tag {name},",
        ("de", _, null) => "Hallo,",
        ("de", _, _) => $"Hallo {name},",
        ("es", Tone.Formal, null) => "Estimados señores:",
        ("es", Tone.Formal, _) => $"Estimado/a {name}:",
        ("es", _, null) => "Hola:",
        ("es", _, _) => $"Hola, {name}:",
        (_, Tone.Formal, null) => "Dear Sir or Madam,",
        (_, Tone.Formal, _) => $"Dear {name},",
        (_, _, null) => "Hello,",
        _ => $"Hi {name},",
    };

    private static string Closing(string language, Tone tone) => (language, tone) switch
    {
        ("de", Tone.Formal) => "Mit freundlichen Grüßen",
        ("de", Tone.Concise) => "Danke und Gruß",
        ("de", _) => "Viele Grüße",
        ("es", Tone.Formal) => "Atentamente,",
        ("es", Tone.Concise) => "Gracias,",
        ("es", _) => "Un saludo,",
        (_, Tone.Formal) => "Kind regards,",
        (_, Tone.Concise) => "Thanks,",
        _ => "Best regards,",
    };

    private static string Body(string language, string category, string? subject, IReadOnlyList<string> times)
    {
        var about = subject is null ? null : language switch
        {
            "de" => $" zu „{subject}“",
            "es" => $" sobre «{subject}»",
            _ => $" about \"{subject}\"",
        };
        var timeList = string.Join("; ", times);
        var body = (language, category.ToLowerInvariant()) switch
        {
            ("de", "personal") => $"danke für deine Nachricht{about}. Ich habe mich sehr darüber gefreut und melde mich bald ausführlicher.",
            ("de", "work") => $"vielen Dank für Ihre E-Mail{about}. Ich habe sie erhalten und melde mich in Kürze mit einer ausführlichen Antwort.",
            ("de", "meeting") when times.Count > 0 => $"vielen Dank für die Terminanfrage{about}. Sie haben folgende Zeiten vorgeschlagen: {timeList}. Ich prüfe meinen Kalender und bestätige Ihnen in Kürze einen dieser Termine.",
            ("de", "meeting") => $"vielen Dank für die Terminanfrage{about}. Könnten Sie mir bitte ein paar Zeiten vorschlagen, die Ihnen passen? Ich bestätige dann einen Termin.",
            ("de", "newsletter") => $"vielen Dank für den Newsletter{about}. Ich habe ihn erhalten.",
            ("de", "promotion") => $"vielen Dank für Ihr Angebot{about}. Ich melde mich, falls ich Interesse habe.",
            ("de", "notification") => $"vielen Dank für die Benachrichtigung{about}. Ich habe sie zur Kenntnis genommen.",
            ("de", "receipt") => $"vielen Dank für die Quittung{about}. Ich habe sie erhalten und für meine Unterlagen abgelegt.",
            ("de", "spam") => "ich habe Ihre Nachricht erhalten. Bitte entfernen Sie diese Adresse aus Ihrem Verteiler.",
            ("de", _) => $"vielen Dank für Ihre Nachricht{about}. Ich habe sie erhalten und melde mich bald.",

            ("es", "personal") => $"gracias por tu mensaje{about}. Me alegró mucho saber de ti; te escribo con más calma muy pronto.",
            ("es", "work") => $"muchas gracias por su correo{about}. Lo he recibido y le responderé en breve con más detalle.",
            ("es", "meeting") when times.Count > 0 => $"muchas gracias por la propuesta de reunión{about}. Ha propuesto estos horarios: {timeList}. Revisaré mi agenda y le confirmaré uno de ellos en breve.",
            ("es", "meeting") => $"muchas gracias por la propuesta de reunión{about}. ¿Podría indicarme algunos horarios que le vengan bien? Le confirmaré uno en breve.",
            ("es", "newsletter") => $"muchas gracias por el boletín{about}. Lo he recibido.",
            ("es", "promotion") => $"muchas gracias por su oferta{about}. Me pondré en contacto si me interesa.",
            ("es", "notification") => $"muchas gracias por el aviso{about}. Tomo nota.",
            ("es", "receipt") => $"muchas gracias por el recibo{about}. Lo he recibido y lo guardo para mis registros.",
            ("es", "spam") => "he recibido su mensaje. Por favor, elimine esta dirección de su lista de distribución.",
            ("es", _) => $"muchas gracias por su mensaje{about}. Lo he recibido y le responderé pronto.",

            (_, "personal") => $"thanks for your message{about}. It was great to hear from you, and I'll write back properly soon.",
            (_, "work") => $"thank you for your email{about}. I have received it and will follow up shortly with a detailed answer.",
            (_, "meeting") when times.Count > 0 => $"thank you for the meeting request{about}. You proposed: {timeList}. I will check my calendar and confirm one of these times shortly.",
            (_, "meeting") => $"thank you for the meeting request{about}. Could you suggest a few times that suit you? I will confirm one shortly.",
            (_, "newsletter") => $"thank you for the newsletter{about}. I have received it.",
            (_, "promotion") => $"thank you for your offer{about}. I will get in touch if I am interested.",
            (_, "notification") => $"thank you for the notification{about}. I have taken note of it.",
            (_, "receipt") => $"thank you for the receipt{about}. I have received it and filed it for my records.",
            (_, "spam") => "I have received your message. Please remove this address from your mailing list.",
            _ => $"thank you for your message{about}. I have received it and will get back to you soon.",
        };

        // A German letter continues in lower case after the greeting's comma; English and Spanish start a new sentence.
        return language == "de" ? body : char.ToUpperInvariant(body[0]) + body[1..];
    }

    /// <summary>The subject without reply/forward prefixes, addresses, links or line breaks; null when nothing usable is left.</summary>
    internal static string? CleanSubject(string? subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return null;
        }

        var cleaned = ReplyPrefix().Replace(subject, string.Empty);
        cleaned = Address().Replace(cleaned, string.Empty);
        cleaned = Link().Replace(cleaned, string.Empty);
        cleaned = Whitespace().Replace(cleaned.Replace('"', '\'').Replace('„', '\'').Replace('“', '\''), " ").Trim(' ', '-', ':', ',');
        if (cleaned.Length > 80)
        {
            cleaned = cleaned[..77].TrimEnd() + "…";
        }

        return cleaned.Length == 0 ? null : cleaned;
    }

    private static string? CleanName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('@'))
        {
            return null;
        }

        var cleaned = Whitespace().Replace(name.Trim().Trim('"', '\''), " ");
        var comma = cleaned.IndexOf(',');
        if (comma > 0)
        {
            // "Doe, Jane" → "Jane Doe"
            cleaned = cleaned[(comma + 1)..].Trim() + " " + cleaned[..comma].Trim();
        }

        return cleaned.Length is 0 or > 60 ? null : cleaned;
    }

    [GeneratedRegex(@"^\s*((re|aw|wg|fw|fwd|rv|sv|tr)\s*(\[\d+\])?\s*:\s*)+", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPrefix();

    [GeneratedRegex(@"[^\s<>()""',;:]+@[^\s<>()""',;:]+")]
    private static partial Regex Address();

    [GeneratedRegex(@"\b(?:https?|ftp)://\S+", RegexOptions.IgnoreCase)]
    private static partial Regex Link();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
