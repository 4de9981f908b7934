using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Blueshift.Functions.Tests;

internal static class DurableTestHosts
{
    /// <summary>
    /// The in-memory Durable host on a port that was free a moment ago: left to itself it picks one at random among
    /// 30000–40000, which the machine's outgoing connections use too, so a start that finds its port taken tries another.
    /// </summary>
    public static async Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> register, Action<IServiceCollection> configureServices)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(
                    register,
                    new DurableTaskTestHostOptions { Port = FreePort(), ConfigureServices = configureServices });
            }
            catch (IOException) when (attempt < 5)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

}
