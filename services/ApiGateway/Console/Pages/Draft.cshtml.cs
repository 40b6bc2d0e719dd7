using System.Net;
using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>One message's reply draft: the text, who wrote it at what cost, its history; regenerate it.</summary>
public sealed class DraftModel : ConsolePageModel
{
    [BindProperty(SupportsGet = true)]
    public string MessageId { get; set; } = string.Empty;

    public DraftDetailInfo? Detail { get; private set; }

    public ReplyInfo? Reply { get; private set; }

    public string? Subject { get; private set; }

    public string? From { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return Redirect("/");
        }

        var id = Uri.EscapeDataString(MessageId);
        var detail = Api.GetAsync<DraftDetailInfo>(PublicRoutes.DraftService, $"/api/drafts/accounts/{Account.Id}/messages/{id}", cancellationToken);
        var reply = Api.GetAsync<ReplyInfo>(PublicRoutes.ResponseService, $"/api/replies/accounts/{Account.Id}/messages/{id}", cancellationToken);
        var message = Api.GetAsync<System.Text.Json.Nodes.JsonObject>(PublicRoutes.ClassificationService, $"/api/classification/accounts/{Account.Id}/messages/{id}", cancellationToken);
        await TryAsync(async () => Detail = await detail);
        try
        {
            Reply = await reply;
        }
        catch (ServiceProblem problem) when (problem.Status == HttpStatusCode.NotFound)
        {
            // A skipped draft has no reply text.
        }
        catch (ServiceProblem problem)
        {
            Problem ??= problem.Message;
        }

        try
        {
            var m = (await message)["message"];
            Subject = m?["subject"]?.GetValue<string>();
            From = m?["from"]?.GetValue<string>();
        }
        catch (ServiceProblem)
        {
            // The subject is a nicety; the draft page stands without it.
        }

        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return Redirect("/");
        }

        if (await TryAsync(() => Api.SendAsync(
                HttpMethod.Post, PublicRoutes.DraftService, $"/api/drafts/accounts/{Account.Id}/messages/{Uri.EscapeDataString(MessageId)}/regenerate", null, cancellationToken)))
        {
            return BackTo($"/drafts/{Uri.EscapeDataString(MessageId)}", "A new reply is being written; the draft in Gmail is replaced in place (same draft) in a few seconds.");
        }

        var problem = Problem;
        await OnGetAsync(cancellationToken);
        Problem = problem;
        return Page();
    }
}
