using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Pipeline;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.Common.Errors;
using GmailAutomation.EventBus;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Apis;

/// <summary>
/// The signed-in user's rules (ordered, validated), the built-in heuristics they can switch off, their own
/// categories and their label settings. Rules belong to the user and apply to all of their accounts.
/// Every change puts a <see cref="ClassificationRulesChanged"/> (with before and after) into the outbox in the same
/// SaveChanges as the change itself, so the audit log hears of each one, whichever client made it.
/// </summary>
public static class RulesApi
{
    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/classification").WithTags("Classification rules").RequireUser();

        api.MapGet("/rules", ListRules).WithName("ListRules")
            .WithSummary("The user's rules in the order they run, followed by the built-in heuristics and whether each is on.");
        api.MapPost("/rules", CreateRule).WithName("CreateRule")
            .WithSummary("Adds a rule (at the end, or at `position`). A bad rule is a 400 naming the rule and where it is wrong.");
        api.MapGet("/rules/{ruleId:guid}", GetRule).WithName("GetRule").WithSummary("One rule.");
        api.MapPut("/rules/{ruleId:guid}", UpdateRule).WithName("UpdateRule").WithSummary("Replaces a rule's name, switch, condition and actions.");
        api.MapDelete("/rules/{ruleId:guid}", DeleteRule).WithName("DeleteRule").WithSummary("Deletes a rule.");
        api.MapPut("/rules/order", ReorderRules).WithName("ReorderRules")
            .WithSummary("Sets the order of the user's rules: `ruleIds` must list each of them exactly once.");

        api.MapGet("/builtins", ListBuiltIns).WithName("ListBuiltInRules").WithSummary("The built-in heuristics (readable rules) and whether each is on for the user.");
        api.MapPut("/builtins/{ruleId}", SetBuiltIn).WithName("SetBuiltInRule").WithSummary("Switches a built-in heuristic on or off for the user.");

        api.MapGet("/categories", ListCategories).WithName("ListCategories").WithSummary("Built-in categories and the user's own.");
        api.MapPost("/categories", AddCategory).WithName("AddCategory").WithSummary("Adds a category of the user's own (a rule can then set it).");
        api.MapDelete("/categories/{name}", DeleteCategory).WithName("DeleteCategory").WithSummary("Deletes one of the user's categories unless a rule still sets it.");

        api.MapGet("/settings", GetSettings).WithName("GetClassificationSettings").WithSummary("Label parent and the categories whose label is off.");
        api.MapPut("/settings", UpdateSettings).WithName("UpdateClassificationSettings")
            .WithSummary("Changes the label parent (e.g. `Automation`) and which categories get a Gmail label.");
        return app;
    }

    public static async Task<Ok<RuleListView>> ListRules(ICurrentUser user, ClassificationDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var rules = await RulesOfAsync(db, userId, cancellationToken);
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        return TypedResults.Ok(new RuleListView(rules, BuiltIns(settings), settings?.Revision ?? 0));
    }

    public static async Task<Created<RuleView>> CreateRule(
        RuleInput input, ICurrentUser user, ClassificationDbContext db, RuleSetProvider provider, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var id = Guid.NewGuid();
        var definition = input.ToDefinition(id);
        RuleValidation.Validate(definition, provider.Regexes, await UserCategoriesAsync(db, userId, cancellationToken));

        var rows = await db.Rules.Where(r => r.UserId == userId).OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(cancellationToken);
        var position = Math.Clamp(input.Position ?? rows.Count, 0, rows.Count);
        var now = time.GetUtcNow();
        var row = new UserRule { Id = id, UserId = userId, Definition = RuleJson.Serialize(definition), CreatedAt = now, UpdatedAt = now };
        rows.Insert(position, row);
        db.Rules.Add(row);
        Renumber(rows);
        var settings = await BumpRevisionAsync(db, userId, now, cancellationToken);
        Announce(db, settings, ClassificationChangeActions.RuleCreated, id.ToString(), null, RuleSnapshot.Of(row), now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        provider.Invalidate(userId);
        return TypedResults.Created($"/api/classification/rules/{id}", RuleView.Of(row));
    }

    public static async Task<Ok<RuleView>> GetRule(Guid ruleId, ICurrentUser user, ClassificationDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(RuleView.Of(await OwnedRuleAsync(db, user.UserId, ruleId, cancellationToken)));

    public static async Task<Ok<RuleView>> UpdateRule(
        Guid ruleId, RuleInput input, ICurrentUser user, ClassificationDbContext db, RuleSetProvider provider, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var row = await OwnedRuleAsync(db, userId, ruleId, cancellationToken);
        var definition = input.ToDefinition(ruleId);
        RuleValidation.Validate(definition, provider.Regexes, await UserCategoriesAsync(db, userId, cancellationToken));
        var before = RuleSnapshot.Of(row);
        var now = time.GetUtcNow();
        row.Definition = RuleJson.Serialize(definition);
        row.UpdatedAt = now;
        if (input.Position is { } position)
        {
            var rows = await db.Rules.Where(r => r.UserId == userId).OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(cancellationToken);
            rows.RemoveAll(r => r.Id == ruleId);
            rows.Insert(Math.Clamp(position, 0, rows.Count), row);
            Renumber(rows);
        }

        var settings = await BumpRevisionAsync(db, userId, now, cancellationToken);
        Announce(db, settings, ClassificationChangeActions.RuleUpdated, ruleId.ToString(), before, RuleSnapshot.Of(row), now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        provider.Invalidate(userId);
        return TypedResults.Ok(RuleView.Of(row));
    }

    public static async Task<NoContent> DeleteRule(
        Guid ruleId, ICurrentUser user, ClassificationDbContext db, RuleSetProvider provider, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var row = await OwnedRuleAsync(db, userId, ruleId, cancellationToken);
        var before = RuleSnapshot.Of(row);
        db.Rules.Remove(row);
        var rest = await db.Rules.Where(r => r.UserId == userId && r.Id != ruleId).OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(cancellationToken);
        Renumber(rest);
        var now = time.GetUtcNow();
        var settings = await BumpRevisionAsync(db, userId, now, cancellationToken);
        Announce(db, settings, ClassificationChangeActions.RuleDeleted, ruleId.ToString(), before, null, now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        provider.Invalidate(userId);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<RuleView>>> ReorderRules(
        ReorderRequest request, ICurrentUser user, ClassificationDbContext db, RuleSetProvider provider, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var rows = await db.Rules.Where(r => r.UserId == userId).ToListAsync(cancellationToken);
        var ids = request.RuleIds ?? [];
        if (ids.Count != rows.Count || ids.Distinct().Count() != ids.Count || !rows.All(r => ids.Contains(r.Id)))
        {
            throw new ValidationException("ruleIds", $"ruleIds must list each of your {rows.Count} rules exactly once.");
        }

        var before = OrderSnapshot.Of(rows.OrderBy(r => r.Position).ThenBy(r => r.CreatedAt));
        var ordered = ids.Select(id => rows.Single(r => r.Id == id)).ToList();
        Renumber(ordered);
        var now = time.GetUtcNow();
        var settings = await BumpRevisionAsync(db, userId, now, cancellationToken);
        Announce(db, settings, ClassificationChangeActions.RulesReordered, null, before, OrderSnapshot.Of(ordered), now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        provider.Invalidate(userId);
        return TypedResults.Ok<IReadOnlyList<RuleView>>([.. ordered.Select(RuleView.Of)]);
    }

    public static async Task<Ok<IReadOnlyList<BuiltInRuleView>>> ListBuiltIns(ICurrentUser user, ClassificationDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        return TypedResults.Ok(BuiltIns(settings));
    }

    public static async Task<Ok<BuiltInRuleView>> SetBuiltIn(
        string ruleId, BuiltInSwitch request, ICurrentUser user, ClassificationDbContext db, RuleSetProvider provider, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var id = BuiltInRules.IsBuiltIn(ruleId) ? ruleId : BuiltInRules.Prefix + ruleId;
        var rule = BuiltInRules.All.SingleOrDefault(r => r.Id == id) ?? throw new NotFoundException("Built-in rule", ruleId);
        var userId = user.UserId;
        var now = time.GetUtcNow();
        var settings = await BumpRevisionAsync(db, userId, now, cancellationToken);
        var wasEnabled = !settings.DisabledBuiltIns.Contains(id);
        settings.DisabledBuiltIns = request.Enabled
            ? [.. settings.DisabledBuiltIns.Where(d => d != id)]
            : [.. settings.DisabledBuiltIns.Where(d => d != id).Append(id)];
        Announce(db, settings, ClassificationChangeActions.BuiltInSwitched, id, new BuiltInSnapshot(id, rule.Name, wasEnabled), new BuiltInSnapshot(id, rule.Name, request.Enabled), now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        provider.Invalidate(userId);
        return TypedResults.Ok(new BuiltInRuleView(rule, request.Enabled));
    }

    public static async Task<Ok<CategoryListView>> ListCategories(ICurrentUser user, ClassificationDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var own = await db.Categories.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.Name).Select(c => c.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(new CategoryListView(Categories.BuiltIn, own));
    }

    public static async Task<Created<CategoryListView>> AddCategory(
        CategoryInput input, ICurrentUser user, ClassificationDbContext db, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var name = input.Name?.Trim();
        if (!Categories.IsValidName(name))
        {
            throw new ValidationException("name", "A category name has 1 to 40 letters, digits, spaces, '-' or '_', starting with a letter or digit.");
        }

        if (Categories.BuiltIn.Contains(name!, StringComparer.OrdinalIgnoreCase))
        {
            throw new ValidationException("name", $"'{name}' is a built-in category.");
        }

        var userId = user.UserId;
        var own = await UserCategoriesAsync(db, userId, cancellationToken);
        if (own.Count >= 100)
        {
            throw new ValidationException("name", "A user has at most 100 categories of their own.");
        }

        if (!own.Contains(name!))
        {
            var now = time.GetUtcNow();
            db.Categories.Add(new UserCategory { UserId = userId, Name = name!, CreatedAt = now });
            Announce(db, userId, 0, ClassificationChangeActions.CategoryAdded, null, null, new CategorySnapshot(name!), now);
            await db.SaveChangesAsync(cancellationToken);
            outbox.Notify();
        }

        var names = await db.Categories.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.Name).Select(c => c.Name).ToListAsync(cancellationToken);
        return TypedResults.Created($"/api/classification/categories/{Uri.EscapeDataString(name!)}", new CategoryListView(Categories.BuiltIn, names));
    }

    public static async Task<NoContent> DeleteCategory(
        string name, ICurrentUser user, ClassificationDbContext db, OutboxPublisher outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var category = await db.Categories.SingleOrDefaultAsync(c => c.UserId == userId && c.Name == name, cancellationToken)
            ?? throw new NotFoundException("Category", name);
        var rules = await RulesOfAsync(db, userId, cancellationToken);
        if (rules.FirstOrDefault(r => r.Actions.Any(a => a.Type == RuleActionTypes.SetCategory && string.Equals(a.Value, name, StringComparison.OrdinalIgnoreCase))) is { } user_)
        {
            throw new ValidationException("name", $"Rule '{user_.Name}' sets category '{name}'; change or delete it first.");
        }

        db.Categories.Remove(category);
        var now = time.GetUtcNow();
        Announce(db, userId, 0, ClassificationChangeActions.CategoryDeleted, null, new CategorySnapshot(category.Name), null, now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SettingsView>> GetSettings(
        ICurrentUser user, ClassificationDbContext db, Microsoft.Extensions.Options.IOptions<ClassificationOptions> options, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var settings = await db.UserSettings.AsNoTracking().SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        return TypedResults.Ok(SettingsView.Of(settings, options.Value.LabelParent));
    }

    public static async Task<Ok<SettingsView>> UpdateSettings(
        SettingsInput input,
        ICurrentUser user,
        ClassificationDbContext db,
        RuleSetProvider provider,
        OutboxPublisher outbox,
        Microsoft.Extensions.Options.IOptions<ClassificationOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var parent = input.LabelParent?.Trim();
        if (parent is not null && (parent.Length is 0 or > 100 || parent.StartsWith('/') || parent.EndsWith('/') || parent.Contains("//", StringComparison.Ordinal)))
        {
            errors["labelParent"] = ["The label parent is a Gmail label path of 1 to 100 characters, e.g. 'Automation' or 'Mail/Sorted'."];
        }

        var disabled = input.DisabledLabelCategories?.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (disabled?.FirstOrDefault(c => !Categories.IsValidName(c)) is { } bad)
        {
            errors["disabledLabelCategories"] = [$"'{bad}' is not a category name."];
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors.First().Value[0], errors);
        }

        var userId = user.UserId;
        var now = time.GetUtcNow();
        var settings = await BumpRevisionAsync(db, userId, now, cancellationToken);
        var before = LabelSettingsSnapshot.Of(settings, options.Value.LabelParent);
        if (parent is not null)
        {
            settings.LabelParent = parent;
        }

        if (disabled is not null)
        {
            settings.DisabledLabelCategories = [.. disabled.Select(Categories.Normalize)];
        }

        Announce(db, settings, ClassificationChangeActions.SettingsChanged, null, before, LabelSettingsSnapshot.Of(settings, options.Value.LabelParent), now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        provider.Invalidate(userId);
        return TypedResults.Ok(SettingsView.Of(settings, options.Value.LabelParent));
    }

    // ---- helpers shared with the other APIs ----

    internal static async Task<IReadOnlySet<string>> UserCategoriesAsync(ClassificationDbContext db, Guid userId, CancellationToken cancellationToken) =>
        new HashSet<string>(
            await db.Categories.AsNoTracking().Where(c => c.UserId == userId).Select(c => c.Name).ToListAsync(cancellationToken),
            StringComparer.OrdinalIgnoreCase);

    internal static async Task<List<RuleView>> RulesOfAsync(ClassificationDbContext db, Guid userId, CancellationToken cancellationToken) =>
        [.. (await db.Rules.AsNoTracking().Where(r => r.UserId == userId).OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(cancellationToken)).Select(RuleView.Of)];

    /// <summary>The user's settings row (created when missing) with its revision raised: compiled rule sets are rebuilt.</summary>
    internal static async Task<UserSettings> BumpRevisionAsync(ClassificationDbContext db, Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = await db.UserSettings.SingleOrDefaultAsync(s => s.UserId == userId, cancellationToken);
        if (settings is null)
        {
            settings = new UserSettings { UserId = userId };
            db.UserSettings.Add(settings);
        }

        settings.Revision++;
        settings.UpdatedAt = now;
        return settings;
    }

    /// <summary>
    /// Adds the change's <see cref="ClassificationRulesChanged"/> to the outbox; the caller's SaveChanges writes it with
    /// the change (one transaction), and nothing is written when the change fails before that.
    /// </summary>
    private static void Announce(ClassificationDbContext db, UserSettings settings, string action, string? ruleId, object? before, object? after, DateTimeOffset now) =>
        Announce(db, settings.UserId, settings.Revision, action, ruleId, before, after, now);

    private static void Announce(ClassificationDbContext db, Guid userId, long revision, string action, string? ruleId, object? before, object? after, DateTimeOffset now) =>
        db.Outbox.Add(OutboxPublisher.ToOutbox(
            new ClassificationRulesChanged
            {
                UserId = userId,
                Action = action,
                RuleId = ruleId,
                Revision = revision,
                Before = Snapshot(before),
                After = Snapshot(after),
                CreatedAt = now,
            },
            now));

    private static System.Text.Json.JsonElement? Snapshot(object? value) =>
        value is null ? null : System.Text.Json.JsonSerializer.SerializeToElement(value, value.GetType(), IntegrationEventSerializer.Options);

    private static IReadOnlyList<BuiltInRuleView> BuiltIns(UserSettings? settings) =>
        [.. BuiltInRules.All.Select(r => new BuiltInRuleView(r, settings?.DisabledBuiltIns.Contains(r.Id) != true))];

    private static async Task<UserRule> OwnedRuleAsync(ClassificationDbContext db, Guid userId, Guid ruleId, CancellationToken cancellationToken) =>
        await db.Rules.SingleOrDefaultAsync(r => r.Id == ruleId && r.UserId == userId, cancellationToken)
            ?? throw new NotFoundException("Rule", ruleId.ToString());

    private static void Renumber(List<UserRule> rows)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Position = i;
        }
    }
}

/// <summary>A rule as a client sends it; the id comes from the path (or is new).</summary>
public sealed record RuleInput
{
    public string Name { get; init; } = string.Empty;

    public bool Enabled { get; init; } = true;

    public RuleCondition? Condition { get; init; }

    public IReadOnlyList<RuleAction>? Actions { get; init; }

    /// <summary>0-based place among the user's rules; omitted = at the end (create) or unchanged (update).</summary>
    public int? Position { get; init; }

    public RuleDefinition ToDefinition(Guid id) => new()
    {
        Id = id.ToString(),
        Name = Name?.Trim() ?? string.Empty,
        Enabled = Enabled,
        Condition = Condition!,
        Actions = Actions ?? [],
    };
}

/// <summary>A stored rule.</summary>
public sealed record RuleView(Guid Id, int Position, string Name, bool Enabled, RuleCondition Condition, IReadOnlyList<RuleAction> Actions, DateTimeOffset UpdatedAt)
{
    public static RuleView Of(UserRule row)
    {
        var definition = RuleJson.Deserialize(row.Definition);
        return new RuleView(row.Id, row.Position, definition.Name, definition.Enabled, definition.Condition, definition.Actions, row.UpdatedAt);
    }

    public RuleDefinition ToDefinition() => new() { Id = Id.ToString(), Name = Name, Enabled = Enabled, Condition = Condition, Actions = Actions };
}

public sealed record BuiltInRuleView(string Id, string Name, bool Enabled, RuleCondition Condition, IReadOnlyList<RuleAction> Actions)
{
    public BuiltInRuleView(RuleDefinition rule, bool enabled)
        : this(rule.Id, rule.Name, enabled, rule.Condition, rule.Actions)
    {
    }
}

public sealed record RuleListView(IReadOnlyList<RuleView> Rules, IReadOnlyList<BuiltInRuleView> BuiltIns, long Revision);

public sealed record ReorderRequest(IReadOnlyList<Guid>? RuleIds);

public sealed record BuiltInSwitch(bool Enabled);

public sealed record CategoryInput(string? Name);

public sealed record CategoryListView(IReadOnlyList<string> BuiltIn, IReadOnlyList<string> Own);

public sealed record SettingsInput(string? LabelParent, IReadOnlyList<string>? DisabledLabelCategories);

public sealed record SettingsView(string LabelParent, IReadOnlyList<string> DisabledLabelCategories, IReadOnlyList<string> DisabledBuiltIns)
{
    public static SettingsView Of(UserSettings? settings, string defaultParent) =>
        new(settings?.LabelParent ?? defaultParent, settings?.DisabledLabelCategories ?? [], settings?.DisabledBuiltIns ?? []);
}

/// <summary>What the audit log keeps of a user rule (<see cref="ClassificationRulesChanged"/> before/after).</summary>
internal sealed record RuleSnapshot(Guid Id, string Name, bool Enabled, int Position, RuleCondition Condition, IReadOnlyList<RuleAction> Actions)
{
    public static RuleSnapshot Of(UserRule row)
    {
        var definition = RuleJson.Deserialize(row.Definition);
        return new(row.Id, definition.Name, definition.Enabled, row.Position, definition.Condition, definition.Actions);
    }
}

/// <summary>The order of the user's rules, first to last.</summary>
internal sealed record OrderSnapshot(IReadOnlyList<OrderSnapshot.Entry> Order)
{
    public static OrderSnapshot Of(IEnumerable<UserRule> rows) => new([.. rows.Select(r => new Entry(r.Id, RuleJson.Deserialize(r.Definition).Name))]);

    internal sealed record Entry(Guid Id, string Name);
}

internal sealed record BuiltInSnapshot(string Id, string Name, bool Enabled);

internal sealed record CategorySnapshot(string Name);

internal sealed record LabelSettingsSnapshot(string LabelParent, IReadOnlyList<string> DisabledLabelCategories)
{
    public static LabelSettingsSnapshot Of(UserSettings settings, string defaultParent) =>
        new(settings.LabelParent ?? defaultParent, [.. settings.DisabledLabelCategories]);
}
