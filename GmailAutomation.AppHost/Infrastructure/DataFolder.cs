using System.Text.Json;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>
/// The durable folder of the local-process backing services (one sub-folder each) and of their generated
/// passwords, so that a restarted AppHost finds its data and can still log in to it.
/// </summary>
internal sealed class DataFolder(string path)
{
    // Only a folder carrying this marker is ever wiped, so a mistyped DataPath cannot empty an unrelated folder.
    private const string MarkerFileName = ".gmail-automation-data";
    private const string ParametersFileName = "parameters.json";

    private static readonly Lock ParametersLock = new();

    public string Path { get; } = path;

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Prepare(bool wipe)
    {
        var marker = Combine(MarkerFileName);
        if (wipe && Directory.Exists(Path))
        {
            if (!File.Exists(marker) && Directory.EnumerateFileSystemEntries(Path).Any())
            {
                throw new InvalidOperationException(
                    $"Refusing to wipe '{Path}': it is not a GmailAutomation data folder (no {MarkerFileName}).");
            }

            Directory.Delete(Path, recursive: true);
        }

        Directory.CreateDirectory(Path);
        File.WriteAllText(marker, "Data of the local Redis, RabbitMQ and PostgreSQL started by GmailAutomation.AppHost.\n");
        if (!OperatingSystem.IsWindows())
        {
            // PostgreSQL runs as the postgres user and must be able to reach its sub-folder.
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>Returns the value stored under <paramref name="name"/>, creating and storing it first if absent.</summary>
    public string GetOrAddParameter(string name, Func<string> create)
    {
        lock (ParametersLock)
        {
            var file = Combine(ParametersFileName);
            var values = File.Exists(file)
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file)) ?? []
                : [];
            if (values.TryGetValue(name, out var existing))
            {
                return existing;
            }

            values[name] = create();
            Directory.CreateDirectory(Path);
            File.WriteAllText(file, JsonSerializer.Serialize(values, new JsonSerializerOptions { WriteIndented = true }));
            UnixPermissions.OwnerOnly(file);

            return values[name];
        }
    }
}
