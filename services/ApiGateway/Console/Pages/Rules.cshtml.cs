using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>The person's rules in the order they run (enable, disable, move, delete) and the built-in rules they can switch off.</summary>
public sealed class RulesModel : ConsolePageModel
{
    public RuleListInfo Rules { get; private set; } = new([], [], 0);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        await TryAsync(async () => Rules = await Api.GetAsync<RuleListInfo>(PublicRoutes.ClassificationService, "/api/classification/rules", cancellationToken));
    }

    public Task<IActionResult> OnPostToggleAsync(Guid ruleId, bool enabled, CancellationToken cancellationToken) =>
        ChangeAsync(async rules =>
        {
            var rule = rules.Rules.Single(r => r.Id == ruleId);
            await Api.SendAsync(HttpMethod.Put, PublicRoutes.ClassificationService, $"/api/classification/rules/{ruleId}",
                new { name = rule.Name, enabled, condition = rule.Condition, actions = rule.Actions }, cancellationToken);
            return $"Rule “{rule.Name}” is {(enabled ? "on" : "off")}.";
        }, cancellationToken);

    public Task<IActionResult> OnPostMoveAsync(Guid ruleId, int by, CancellationToken cancellationToken) =>
        ChangeAsync(async rules =>
        {
            var ids = rules.Rules.Select(r => r.Id).ToList();
            var from = ids.IndexOf(ruleId);
            var to = Math.Clamp(from + by, 0, ids.Count - 1);
            ids.RemoveAt(from);
            ids.Insert(to, ruleId);
            await Api.SendAsync(HttpMethod.Put, PublicRoutes.ClassificationService, "/api/classification/rules/order", new { ruleIds = ids }, cancellationToken);
            var name = rules.Rules[from].Name;
            return $"Rule “{name}” now runs {(to + 1) switch { 1 => "first", var n => $"at place {n}" }}.";
        }, cancellationToken);

    public Task<IActionResult> OnPostDeleteAsync(Guid ruleId, CancellationToken cancellationToken) =>
        ChangeAsync(async rules =>
        {
            var rule = rules.Rules.Single(r => r.Id == ruleId);
            await Api.SendAsync(HttpMethod.Delete, PublicRoutes.ClassificationService, $"/api/classification/rules/{ruleId}", null, cancellationToken);
            return $"Rule “{rule.Name}” is deleted.";
        }, cancellationToken);

    public Task<IActionResult> OnPostBuiltInAsync(string ruleId, bool enabled, CancellationToken cancellationToken) =>
        ChangeAsync(async rules =>
        {
            var rule = rules.BuiltIns.Single(r => r.Id == ruleId);
            await Api.SendAsync(HttpMethod.Put, PublicRoutes.ClassificationService, $"/api/classification/builtins/{Uri.EscapeDataString(ruleId)}", new { enabled }, cancellationToken);
            return $"Built-in rule “{rule.Name}” is {(enabled ? "on" : "off")}.";
        }, cancellationToken);

    public static string Describe(System.Text.Json.Nodes.JsonObject condition) => RuleForm.Describe(condition);

    public static string Describe(IReadOnlyList<RuleActionInfo> actions) => RuleForm.Describe(actions);

    private async Task<IActionResult> ChangeAsync(Func<RuleListInfo, Task<string>> change, CancellationToken cancellationToken)
    {
        await OnGetAsync(cancellationToken);
        var done = string.Empty;
        if (Problem is null && await TryAsync(async () => done = await change(Rules)))
        {
            return BackTo("/rules", done);
        }

        var problem = Problem;
        await OnGetAsync(cancellationToken);
        Problem = problem;
        return Page();
    }
}
