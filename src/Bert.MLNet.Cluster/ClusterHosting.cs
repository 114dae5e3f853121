using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Bert.MLNet.Cluster;

/// <summary>
/// How silos and clients of a Bert.MLNet cluster are configured: Orleans with its membership in Redis, one cluster id,
/// failure detection tuned so that a killed silo is declared dead, and its shards redone, within seconds.
/// </summary>
internal static class ClusterHosting
{
    /// <summary>The Orleans cluster and service id every silo and client uses.</summary>
    internal const string ClusterId = "bert-mlnet";

    /// <summary>Where a silo listens and what address it gives the others.</summary>
    internal sealed record Endpoints(IPAddress? Advertised, int SiloPort, int GatewayPort);

    /// <summary>A silo serving <paramref name="model"/>, its membership in the Redis at <paramref name="redis"/>.</summary>
    internal static ISiloBuilder UseBertCluster(this ISiloBuilder silo, string redis, Endpoints endpoints, SiloModel model)
    {
        var configuration = RedisConfiguration(redis);
        silo.UseRedisClustering(options => options.ConfigurationOptions = configuration);
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = ClusterId;
            options.ServiceId = ClusterId;
        });
        if (endpoints.Advertised is { } address)
        {
            silo.ConfigureEndpoints(address, endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        }
        else
        {
            silo.ConfigureEndpoints(endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: true);
        }

        return silo.AddBertShards(model);
    }

    /// <summary>The grains' services and failure detection, for any silo (a test cluster's too).</summary>
    internal static ISiloBuilder AddBertShards(this ISiloBuilder silo, SiloModel model)
    {
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            // A SIGKILLed silo refuses connections at once: two missed probes two seconds apart are enough.
            options.ProbeTimeout = TimeSpan.FromSeconds(2);
            options.NumMissedProbesLimit = 2;
        });
        silo.Services.AddSingleton<SiloFatalErrors>();
        silo.Services.AddSingleton<IFatalErrorHandler>(services => services.GetRequiredService<SiloFatalErrors>());
        silo.Services.AddSingleton(model);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(model);
        return silo;
    }

    /// <summary>How long a client tries to reach a silo before its start fails.</summary>
    internal static TimeSpan ClientConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A client of the cluster whose membership is in the Redis at <paramref name="redis"/>.</summary>
    internal static IClientBuilder UseBertCluster(this IClientBuilder client, string redis)
    {
        var configuration = RedisConfiguration(redis);
        client.UseRedisClustering(options => options.ConfigurationOptions = configuration);
        System.Diagnostics.Stopwatch? connecting = null;
        client.UseConnectionRetryFilter(async (_, cancellation) =>
        {
            connecting ??= System.Diagnostics.Stopwatch.StartNew();
            if (connecting.Elapsed > ClientConnectTimeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            return true;
        });
        client.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = ClusterId;
            options.ServiceId = ClusterId;
        });
        client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(30));
        return client;
    }

    /// <summary>Parses <c>HOST:PORT</c>.</summary>
    /// <exception cref="ArgumentException">It is not one (the message names --redis).</exception>
    internal static ConfigurationOptions RedisConfiguration(string redis)
    {
        var colon = redis.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(redis.AsSpan(colon + 1), out var port) || port is < 1 or > 65_535)
        {
            throw new ArgumentException($"--redis '{redis}' must be HOST:PORT, e.g. 127.0.0.1:6379.");
        }

        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 5_000 };
        options.EndPoints.Add(redis[..colon], port);
        return options;
    }
}
