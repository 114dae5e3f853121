using System.CommandLine;
using System.Net;
using Bert.MLNet.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bert.MLNet.Cli.Commands;

/// <summary>
/// <c>bert-mlnet silo</c>: one Orleans silo of a corpus embedding cluster, its membership in Redis, serving one loaded
/// model to the shards placed on it, until SIGTERM or Ctrl+C.
/// </summary>
internal static class SiloCommand
{
    internal static Command Create()
    {
        var redis = RedisOption.Create("Redis that holds the cluster's membership, HOST:PORT.");
        redis.Required = true;
        var model = ModelOption.Create();
        var precision = PrecisionOption.Create();
        var threads = ThreadsOption.Create();
        var port = new Option<int>("--port") { Description = "Port other silos reach this one on.", DefaultValueFactory = _ => 11_111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port clients (bert-mlnet embed --redis) reach this silo on.", DefaultValueFactory = _ => 30_000 };
        var address = new Option<string?>("--address")
        {
            Description = "IP address other silos and clients reach this one at. Default: 127.0.0.1 when --redis is on this machine, else this machine's address.",
        };
        var command = new Command("silo", "Run one silo of a corpus embedding cluster (Orleans, membership in Redis) until SIGTERM: 'bert-mlnet embed --redis' sends it shards.")
        {
            redis, model, precision, threads, port, gatewayPort, address,
        };
        command.SetAction((result, cancellation) => CommandErrors.RunAsync(() => Run(
            result.GetValue(redis)!, result.GetValue(model)!, PrecisionOption.Parse(result.GetValue(precision)!), ThreadsOption.Check(result.GetValue(threads)),
            Endpoints(result.GetValue(redis)!, result.GetValue(address), result.GetValue(port), result.GetValue(gatewayPort)), cancellation)));
        return command;
    }

    /// <summary>Runs the silo until the token is cancelled, then leaves the cluster (its running shards go elsewhere) and returns 0.</summary>
    internal static async Task<int> Run(string redis, string modelPath, Precision precision, int threads, ClusterHosting.Endpoints endpoints, CancellationToken cancellation)
    {
        ClusterHosting.RedisConfiguration(redis);
        RefuseTakenPorts(endpoints);
        var loaded = BertModel.Load(modelPath, new RuntimeOptions { IntraOpThreads = threads });
        var model = new SiloModel(loaded, modelPath, precision);
        try
        {
            // The session the shards use is made now, not by the first shard.
            loaded.Embed(["warm up"], loaded.DefaultOptions with { Precision = precision }, progress: null, cancellation);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        var builder = Host.CreateApplicationBuilder();
        // Orleans' own warnings and errors (a peer that stopped answering, a Redis that did not, with their stacks) are its
        // business: what stops the silo is said in one line below.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Critical).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.UseOrleans(silo => silo.UseBertCluster(redis, endpoints, model));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new IOException($"silo: could not join the cluster at --redis {redis} on ports {endpoints.SiloPort} and {endpoints.GatewayPort}: {e.GetBaseException().Message}", e);
        }

        Console.Error.WriteLine(
            $"silo {endpoints.Advertised?.ToString() ?? "(this machine)"}:{endpoints.SiloPort} (gateway {endpoints.GatewayPort}) joined cluster {ClusterHosting.ClusterId} at redis {redis}, " +
            $"serving {loaded.Name} ({PrecisionOption.Name(precision)}); stop with SIGTERM or Ctrl+C");
        try
        {
            await host.WaitForShutdownAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            // The signal that ends a silo: leave the cluster below.
        }

        await host.StopAsync(TimeSpan.FromSeconds(30));
        if (host.Services.GetRequiredService<SiloFatalErrors>().Reason is not null)
        {
            // Said when it happened.
            return SiloFatalErrors.ExitCode;
        }

        Console.Error.WriteLine("silo stopped: it left the cluster, and shards it was running are redone by the others");
        return 0;
    }

    // A second silo on a port in use would join under the same address and get the first one declared dead.
    private static void RefuseTakenPorts(ClusterHosting.Endpoints endpoints)
    {
        foreach (var (port, option) in new[] { (endpoints.SiloPort, "--port"), (endpoints.GatewayPort, "--gateway-port") })
        {
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Any, port);
            try
            {
                listener.Start();
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                throw new ArgumentException($"{option} {port} is in use on this machine (another silo?); give each silo ports of its own.", e);
            }
            finally
            {
                listener.Stop();
            }
        }
    }

    private static ClusterHosting.Endpoints Endpoints(string redis, string? address, int port, int gatewayPort)
    {
        foreach (var (value, option) in new[] { (port, "--port"), (gatewayPort, "--gateway-port") })
        {
            if (value is < 1 or > 65_535)
            {
                throw new ArgumentException($"{option} is {value}; it must be a port, 1 to 65535.");
            }
        }

        IPAddress? advertised;
        if (address is not null)
        {
            advertised = IPAddress.TryParse(address, out var parsed) ? parsed : throw new ArgumentException($"--address '{address}' is not an IP address.");
        }
        else
        {
            var host = redis[..Math.Max(0, redis.LastIndexOf(':'))];
            advertised = host is "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip)) ? IPAddress.Loopback : null;
        }

        return new ClusterHosting.Endpoints(advertised, port, gatewayPort);
    }
}

/// <summary>The <c>--redis</c> option of the cluster commands.</summary>
internal static class RedisOption
{
    internal static Option<string?> Create(string description) => new("--redis") { Description = description };
}
