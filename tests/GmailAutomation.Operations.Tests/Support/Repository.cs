namespace GmailAutomation.Operations.Tests.Support;

/// <summary>Paths in the checked-out repository (found from the test binaries upwards).</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "GmailAutomation.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No GmailAutomation.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootPath.Value;

    public static string Monitoring => Path.Combine(Root, "deploy", "monitoring");

    public static string MonitoringFile(params string[] parts) => Path.Combine([Monitoring, .. parts]);
}
