using System.Net;
using System.Net.Sockets;

namespace GmailAutomation.Testing;

/// <summary>
/// Free TCP ports on the loopback interface. Several engineers and test assemblies start servers on this
/// machine at once, so a port is never handed out twice by this process, and the operating system picks it.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> s_handedOut = [];
    private static readonly Lock s_gate = new();

    /// <summary>A port that nothing listened on a moment ago and that this process has not handed out before.</summary>
    public static int Next()
    {
        lock (s_gate)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException("No free loopback port could be found.");
        }
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsAcceptingAsync(int port, CancellationToken cancellationToken = default)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
