using System.Collections.Concurrent;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Learning;
using GmailAutomation.MailParsing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>
/// The model for an account: its own active model (account_models) when it has one, else the default model
/// shipped with the service. Loaded models are kept; the active version is re-read at most every
/// <see cref="ClassificationOptions.CacheRecheckInterval"/>.
/// </summary>
public sealed partial class ModelProvider(
    IServiceScopeFactory scopes,
    IOptions<ClassificationOptions> options,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<ModelProvider> logger)
{
    private readonly ConcurrentDictionary<Guid, AccountEntry> _accounts = new();
    private readonly Lock _defaultLock = new();
    private ICategoryModel? _default;
    private bool _defaultTried;

    /// <summary>The default model, or null when its file is missing (then nothing but rules decides).</summary>
    public ICategoryModel? Default
    {
        get
        {
            lock (_defaultLock)
            {
                if (!_defaultTried)
                {
                    _defaultTried = true;
                    var path = Path.IsPathRooted(options.Value.ModelPath)
                        ? options.Value.ModelPath
                        : Path.Combine(AppContext.BaseDirectory, options.Value.ModelPath);
                    if (!File.Exists(path))
                    {
                        path = Path.Combine(environment.ContentRootPath, options.Value.ModelPath);
                    }

                    if (File.Exists(path))
                    {
                        _default = CategoryModel.Load(path);
                        LogDefaultLoaded(_default.Version);
                    }
                    else
                    {
                        LogNoDefaultModel(options.Value.ModelPath);
                    }
                }

                return _default;
            }
        }
    }

    public async Task<ICategoryModel?> ForAccountAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_accounts.TryGetValue(accountId, out var entry) && now - entry.CheckedAt < options.Value.CacheRecheckInterval)
        {
            return entry.Model ?? Default;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
        var active = await db.AccountModels.AsNoTracking()
            .Where(m => m.AccountId == accountId && m.Active)
            .OrderByDescending(m => m.TrainedAt)
            .Select(m => new { m.Id, m.Version })
            .FirstOrDefaultAsync(cancellationToken);
        if (active is null)
        {
            _accounts[accountId] = new AccountEntry(null, null, now);
            return Default;
        }

        if (entry?.ModelId == active.Id)
        {
            _accounts[accountId] = entry with { CheckedAt = now };
            return entry.Model ?? Default;
        }

        var bytes = await db.AccountModels.Where(m => m.Id == active.Id).Select(m => m.ModelBytes).SingleAsync(cancellationToken);
        ICategoryModel? model;
        try
        {
            model = new VersionedModel(LoadFromBytes(bytes), active.Version);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            LogUnreadableModel(accountId, active.Version, ex.Message);
            model = null;
        }

        _accounts[accountId] = new AccountEntry(active.Id, model, now);
        return model ?? Default;
    }

    /// <summary>Forgets the account's cached model (a new one was activated through this replica).</summary>
    public void Invalidate(Guid accountId) => _accounts.TryRemove(accountId, out _);

    private static CategoryModel LoadFromBytes(byte[] bytes)
    {
        // CategoryModel reads models from files; the bytes go through a private temporary file.
        var path = Path.Combine(Path.GetTempPath(), $"account-model-{Guid.NewGuid():N}.zip");
        try
        {
            File.WriteAllBytes(path, bytes);
            return CategoryModel.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed record AccountEntry(Guid? ModelId, ICategoryModel? Model, DateTimeOffset CheckedAt);

    /// <summary>An account model under the version recorded with it in account_models.</summary>
    private sealed class VersionedModel(ICategoryModel inner, string version) : ICategoryModel
    {
        public string Version { get; } = version;

        public ModelPrediction Predict(MessageFeatures message) => inner.Predict(message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Default model {Version} loaded")]
    private partial void LogDefaultLoaded(string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No default model at {Path}: only rules decide")]
    private partial void LogNoDefaultModel(string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The model {Version} of account {AccountId} cannot be loaded ({Reason}); the default model is used")]
    private partial void LogUnreadableModel(Guid accountId, string version, string reason);
}
