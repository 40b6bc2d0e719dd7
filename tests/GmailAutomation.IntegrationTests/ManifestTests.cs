using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace GmailAutomation.IntegrationTests;

/// <summary>The committed aspire-manifest.json is what the AppHost publishes today.</summary>
public sealed class ManifestTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Committed_manifest_matches_the_one_the_AppHost_publishes()
    {
        var appHostProject = Projects.GmailAutomation_AppHost.ProjectPath;
        var appHostDirectory = Directory.Exists(appHostProject) ? appHostProject : Path.GetDirectoryName(appHostProject)!;
        var repositoryRoot = Path.GetFullPath(Path.Combine(appHostDirectory, ".."));
        var committedPath = Path.Combine(repositoryRoot, "aspire-manifest.json");
        var output = Directory.CreateTempSubdirectory("gmail-automation-manifest-");
        try
        {
            var generatedPath = Path.Combine(output.FullName, "aspire-manifest.json");
            await PublishManifestAsync(appHostProject, generatedPath);

            var committed = Normalize(JsonNode.Parse(await File.ReadAllTextAsync(committedPath))!, repositoryRoot);
            var generated = Normalize(JsonNode.Parse(await File.ReadAllTextAsync(generatedPath))!, output.FullName);
            Assert.True(JsonNode.DeepEquals(committed, generated),
                "aspire-manifest.json is stale; regenerate it with: dotnet run --project GmailAutomation.AppHost -- "
                + "--publisher manifest --output-path ../aspire-manifest.json\n" + generated.ToJsonString());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static async Task PublishManifestAsync(string appHostProject, string outputPath)
    {
        var configuration = typeof(ManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var start = new ProcessStartInfo("dotnet",
            ["run", "--no-build", "--configuration", configuration, "--project", appHostProject, "--",
             "--publisher", "manifest", "--output-path", outputPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"Publishing the manifest failed:\n{await stdout}\n{await stderr}");
    }

    /// <summary>Project paths are written relative to the manifest's folder; compare them as absolute paths.</summary>
    private static JsonNode Normalize(JsonNode manifest, string manifestDirectory)
    {
        foreach (var (_, resource) in manifest["resources"]!.AsObject())
        {
            if (resource?["path"] is JsonValue path)
            {
                resource["path"] = Path.GetFullPath(Path.Combine(manifestDirectory, path.GetValue<string>()));
            }
        }

        return manifest;
    }
}
