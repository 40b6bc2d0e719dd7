namespace GmailAutomation.ClassificationService.Learning;

/// <summary>The knobs of the pipeline; recorded inside and next to every trained model.</summary>
public sealed record PipelineParameters
{
    /// <summary>Hash space of subject and body word uni- and bigrams (2^bits).</summary>
    public int WordHashBits { get; init; } = 17;

    /// <summary>1 = words only, 2 = words and word pairs.</summary>
    public int WordNgramLength { get; init; } = 2;

    /// <summary>Hash space of character n-grams (2^bits).</summary>
    public int CharHashBits { get; init; } = 17;

    /// <summary>Character n-gram length, 1 to 4.</summary>
    public int CharNgramLength { get; init; } = 4;

    /// <summary>Hash space of the header/structure tokens (2^bits).</summary>
    public int MetaHashBits { get; init; } = 15;

    /// <summary>Characters of body text the word features read; the start of a message carries its genre.</summary>
    public int MaxBodyChars { get; init; } = 3000;

    /// <summary>Characters of subject + body that feed the character n-grams.</summary>
    public int MaxHeadChars { get; init; } = 1000;

    /// <summary>Term counts become 1 + ln(count) before normalisation, so a repeated word does not drown the rest.</summary>
    public bool SublinearCounts { get; init; } = true;

    /// <summary>Words of selected header values (mailer, content type, message-id host, priority…) as tokens.</summary>
    public bool HeaderValueTokens { get; init; } = true;

    public float L2Regularization { get; init; } = 1e-4f;

    public float L1Regularization { get; init; }

    /// <summary>Passes of the trainer (L-BFGS steps, SDCA epochs).</summary>
    public int MaxIterations { get; init; } = 40;

    /// <summary>SDCA stops when the duality gap falls below this (its default, 0.1, stops too early for text).</summary>
    public float ConvergenceTolerance { get; init; } = 0.01f;

    /// <summary>
    /// Class weights as (N / (K·n_class))^power: 0 leaves the classes as they come, 1 fully balances them.
    /// Small classes (personal, employment) would otherwise be swallowed by the big ones.
    /// </summary>
    public double ClassWeightPower { get; init; } = 0.75;

    public int Seed { get; init; } = 1;

    /// <summary>
    /// <c>lbfgs</c> (LbfgsMaximumEntropy, the default: 0.9905 against SDCA's 0.9845 on the spam split) or
    /// <c>sdca</c> (SdcaMaximumEntropy).
    /// </summary>
    public string Trainer { get; init; } = "lbfgs";

    /// <summary>L2-normalise the header/structure tokens like the text bags (else each token weighs 1).</summary>
    public bool NormalizeMeta { get; init; } = true;

    public static PipelineParameters Default { get; } = new();

    /// <summary>Throws when a value is out of its range (hash bits, n-gram lengths, text lengths).</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Check(WordHashBits is >= 8 and <= 22, "WordHashBits must be 8..22.");
        Check(CharHashBits is >= 0 and <= 22, "CharHashBits must be 0..22 (0 turns character n-grams off).");
        Check(MetaHashBits is >= 8 and <= 20, "MetaHashBits must be 8..20.");
        Check(WordNgramLength is 1 or 2, "WordNgramLength must be 1 or 2.");
        Check(CharNgramLength is >= 1 and <= 4, "CharNgramLength must be 1..4.");
        Check(MaxBodyChars >= 0 && MaxHeadChars >= 0, "MaxBodyChars and MaxHeadChars must not be negative.");
        Check(Trainer is "sdca" or "lbfgs", $"unknown trainer '{Trainer}' (sdca or lbfgs).");
    }
}
