using System.Net;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TrialManager.Api.Features.Health;
using TrialManager.Data;
using YamlDotNet.RepresentationModel;

namespace TrialManager.Tests.Deploy;

/// <summary>
/// deploy/kubernetes cannot be applied here (no cluster): each overlay is rendered with `kubectl kustomize`, every
/// object is loaded strictly against the Kubernetes schema and CloudNativePG's fields, and what the service needs
/// from the deployment is checked on the rendered objects.
/// </summary>
[TestFixture("dev")]
[TestFixture("production")]
public sealed partial class KubernetesManifestsTests(string overlay)
{
    private const string Cluster = "trialmanager-db";
    private static readonly Dictionary<string, Lazy<RenderedManifests>> Overlays = new()
    {
        ["dev"] = new(() => RenderedManifests.Load(RenderedManifests.Render(RepoPath("deploy/kubernetes/overlays/dev")))),
        ["production"] = new(() => RenderedManifests.Load(RenderedManifests.Render(RepoPath("deploy/kubernetes/overlays/production")))),
    };

    private RenderedManifests Manifests => Overlays[overlay].Value;

    private V1Container Api => Manifests.One<V1Deployment>("trialmanager-api").Spec.Template.Spec.Containers.Single();

    private V1Container Worker => Manifests.One<V1Deployment>("trialmanager-worker").Spec.Template.Spec.Containers.Single();

    private V1Container Migrations => Manifests.One<V1Job>("trialmanager-migrate").Spec.Template.Spec.Containers.Single();

    private static string RepoPath(string path)
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TrialManager.sln")))
            dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), path);
    }

    [Test]
    public void Every_rendered_object_is_valid_against_the_kubernetes_schema_and_the_cloudnativepg_fields_it_uses()
    {
        Assert.That(Manifests.Problems, Is.Empty);
        Assert.That(Manifests.Kinds.Select(k => k.Kind), Is.SupersetOf(new[]
        {
            "Namespace", "ConfigMap", "Deployment", "Job", "Service", "Ingress", "PodDisruptionBudget",
            "HorizontalPodAutoscaler", "Cluster", "Pooler",
        }));
    }

    [Test]
    public void A_misspelt_field_fails_the_strict_check()
    {
        var rendered = RenderedManifests.Render(RepoPath($"deploy/kubernetes/overlays/{overlay}"));
        Assert.Multiple(() =>
        {
            Assert.That(RenderedManifests.Load(ReplaceFirst(rendered, "readinessProbe:", "readynessProbe:")).Problems,
                Has.Some.Matches<string>(p => p.StartsWith("Deployment trialmanager-api:", StringComparison.Ordinal) && p.Contains("readynessProbe")));
            Assert.That(RenderedManifests.Load(ReplaceFirst(rendered, "terminationGracePeriodSeconds: ", "terminationGracePeriodSeconds: soon #")).Problems,
                Has.Some.StartsWith("Deployment trialmanager-api:"), "a wrong type");
            Assert.That(RenderedManifests.Load(ReplaceFirst(rendered, "poolMode:", "poolmode:")).Problems,
                Has.Some.Contains("Pooler trialmanager-db-pooler-rw: Pooler.spec.pgbouncer.poolmode: unknown field"));
            Assert.That(RenderedManifests.Load(ReplaceFirst(rendered, "poolMode: transaction", "poolMode: transactions")).Problems,
                Has.Some.Contains("Pooler.spec.pgbouncer.poolMode: 'transactions' is not one of"));
            Assert.That(RenderedManifests.Load(ReplaceFirst(rendered, "postInitApplicationSQL:", "postInitApplicationSql:")).Problems,
                Has.Some.Contains("Cluster.spec.bootstrap.initdb.postInitApplicationSql: unknown field"));
        });
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        var at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), old);
        return string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + old.Length));
    }

    [Test]
    public async Task Probes_use_the_health_endpoints_liveness_without_the_database_and_readiness_with_it()
    {
        // The endpoints as the service maps them, on a database that cannot be reached.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddDbContext<TrialManagerDbContext>(options =>
            options.UseTrialManagerDatabase("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2"));
        builder.Services.AddTrialManagerHealth();
        await using var app = builder.Build();
        app.MapHealth();
        await app.StartAsync();
        var client = app.GetTestClient();

        foreach (var container in new[] { Api, Worker })
        {
            var port = container.Ports.Single(p => p.Name == "http");
            Assert.That(port.ContainerPort, Is.EqualTo(8080), "deploy/Dockerfile listens on 8080");
            foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
                Assert.That(probe.HttpGet.Port.Value, Is.EqualTo("http"), container.Name);
            // Liveness must not depend on the database: an outage would restart every pod.
            Assert.That((await client.GetAsync(container.LivenessProbe.HttpGet.Path)).StatusCode, Is.EqualTo(HttpStatusCode.OK), container.Name);
            Assert.That((await client.GetAsync(container.StartupProbe.HttpGet.Path)).StatusCode, Is.EqualTo(HttpStatusCode.OK), container.Name);
            Assert.That((await client.GetAsync(container.ReadinessProbe.HttpGet.Path)).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), container.Name);
        }
        Assert.That(await File.ReadAllTextAsync(RepoPath("deploy/Dockerfile")), Does.Contain("ASPNETCORE_URLS=http://+:8080"));
    }

    [Test]
    public void Every_pod_is_given_longer_to_stop_than_the_host_takes_after_its_prestop_delay()
    {
        foreach (var deployment in new[] { "trialmanager-api", "trialmanager-worker" })
        {
            var pod = Manifests.One<V1Deployment>(deployment).Spec.Template.Spec;
            var container = pod.Containers.Single();
            // HostOptions' and Hangfire's defaults when not set.
            var hostTimeout = int.Parse(Manifests.Env(container, "shutdownTimeoutSeconds").Value ?? "30");
            var jobsTimeout = double.Parse(Manifests.Env(container, "Jobs__ShutdownTimeoutSeconds").Value ?? "15");
            var preStop = container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
            Assert.That(jobsTimeout, Is.LessThan(hostTimeout), "running jobs are given their time within the host's");
            Assert.That(pod.TerminationGracePeriodSeconds, Is.GreaterThan(preStop + hostTimeout), deployment);
        }
        Assert.That(Api.Lifecycle.PreStop.Sleep.Seconds, Is.GreaterThanOrEqualTo(5), "the ingress stops sending before the API stops listening");
    }

    [Test]
    public void No_secret_is_written_in_clear()
    {
        var secrets = Manifests.All<V1Secret>().ToList();
        if (overlay == "production")
            Assert.That(secrets, Is.Empty, "production's secrets are created beforehand");
        else
        {
            Assert.That(secrets, Is.Not.Empty);
            Assert.That(secrets.SelectMany(s => s.StringData?.Values ?? s.Data.Values.Select(v => System.Text.Encoding.UTF8.GetString(v)))
                .Where(v => v != "trialmanager"), Is.All.StartsWith("dev-only-"), "dev placeholders say what they are");
        }

        foreach (var configMap in Manifests.All<V1ConfigMap>())
            Assert.That(configMap.Data.Keys, Has.None.Matches(SecretName()), configMap.Metadata.Name);
        foreach (var container in new[] { Api, Worker, Migrations })
        {
            var fromSecrets = container.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => e.Name).ToList();
            foreach (var env in container.Env)
            {
                if (SecretName().IsMatch(env.Name))
                    Assert.That(env.ValueFrom?.SecretKeyRef, Is.Not.Null, $"{container.Name} {env.Name} comes from a secret");
                if (env.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
                {
                    var password = ConnectionPassword().Match(env.Value);
                    Assert.That(password.Success, $"{container.Name} {env.Name}: the password is a $(VAR) reference");
                    var variable = password.Groups[1].Value;
                    // Kubernetes expands only variables defined before, in the same list.
                    Assert.That(container.Env.TakeWhile(e => e.Name != env.Name).Select(e => e.Name), Does.Contain(variable), env.Name);
                    Assert.That(fromSecrets, Does.Contain(variable), $"{env.Name} takes its password from a secret");
                }
            }
        }
    }

    [Test]
    public void The_api_goes_through_the_transaction_pooler_and_the_workers_and_migrations_straight_to_the_primary()
    {
        var pooler = Manifests.Custom("Pooler");
        var spec = (YamlMappingNode)pooler["spec"];
        var poolerName = ((YamlMappingNode)pooler["metadata"])["name"].ToString();
        Assert.Multiple(() =>
        {
            Assert.That(((YamlMappingNode)spec["cluster"])["name"].ToString(), Is.EqualTo(Cluster));
            Assert.That(spec["type"].ToString(), Is.EqualTo("rw"));
            Assert.That(((YamlMappingNode)spec["pgbouncer"])["poolMode"].ToString(), Is.EqualTo("transaction"));

            Assert.That(Host(Api, "ConnectionStrings__TrialManager"), Is.EqualTo(poolerName));
            Assert.That(Manifests.Env(Api, "Database__Pooler").Value, Is.EqualTo("transaction"));
            foreach (var container in new[] { Worker, Migrations })
            {
                Assert.That(Host(container, "ConnectionStrings__TrialManager"), Is.EqualTo($"{Cluster}-rw"), container.Name);
                Assert.That(Manifests.Env(container, "Database__Pooler").Value, Is.Null, container.Name);
            }
            Assert.That(Host(Migrations, "ConnectionStrings__TrialManagerMigrations"), Is.EqualTo($"{Cluster}-rw"));
        });
    }

    private string? Host(V1Container container, string connectionString) =>
        Manifests.Env(container, connectionString).Value is { } value ? Setting(value, "Host") : null;

    private static string? Setting(string connectionString, string key) => connectionString.Split(';')
        .Select(p => p.Split('=', 2)).SingleOrDefault(p => p[0] == key)?[1];

    [Test]
    public void Only_the_migrations_job_migrates_as_the_owner_and_everything_else_runs_as_the_runtime_role()
    {
        var cluster = (YamlMappingNode)Manifests.Custom("Cluster")["spec"];
        var initdb = (YamlMappingNode)((YamlMappingNode)cluster["bootstrap"])["initdb"];
        var database = initdb["database"].ToString();
        var runtimeRole = initdb["owner"].ToString();
        var ownerRole = Setting(Manifests.Env(Migrations, "ConnectionStrings__TrialManagerMigrations").Value!, "Username");
        var managedOwner = ((YamlSequenceNode)((YamlMappingNode)cluster["managed"])["roles"]).Children.Cast<YamlMappingNode>()
            .Single(r => r["name"].ToString() == ownerRole);
        var ownerSecret = ((YamlMappingNode)managedOwner["passwordSecret"])["name"].ToString();
        Assert.Multiple(() =>
        {
            Assert.That(ownerRole, Is.Not.EqualTo(runtimeRole));
            Assert.That(managedOwner["login"].ToString(), Is.EqualTo("true"));
            // initdb makes its owner the database's owner; the owner role takes it over, with the public schema.
            Assert.That(((YamlSequenceNode)initdb["postInitApplicationSQL"]).Children.Select(c => c.ToString()),
                Does.Contain($"ALTER DATABASE {database} OWNER TO {ownerRole}"));
            Assert.That(Manifests.Env(Migrations, "Hosting__Mode").Value, Is.EqualTo("migrate"));
            Assert.That(Migrations.Env.Where(e => e.ValueFrom?.SecretKeyRef?.Name == ownerSecret), Is.Not.Empty, "the owner's password");
            foreach (var container in new[] { Api, Worker, Migrations })
            {
                var connection = Manifests.Env(container, "ConnectionStrings__TrialManager").Value!;
                Assert.That(Setting(connection, "Database"), Is.EqualTo(database), container.Name);
                // The secret the operator generates for initdb's owner: cluster name + "-app".
                var username = Manifests.Env(container, "TRIALMANAGER_DB_USERNAME").Secret;
                Assert.That(Setting(connection, "Username"), Is.EqualTo("$(TRIALMANAGER_DB_USERNAME)"), container.Name);
                Assert.That((username?.Name, username?.Key), Is.EqualTo(($"{Cluster}-app", "username")), container.Name);
            }
            foreach (var container in new[] { Api, Worker })
            {
                Assert.That(Manifests.Env(container, "Database__MigrateOnStartup").Value, Is.EqualTo("false"), container.Name);
                Assert.That(Manifests.Env(container, "ConnectionStrings__TrialManagerMigrations").Value, Is.Null, container.Name);
                Assert.That(container.Env.Where(e => e.ValueFrom?.SecretKeyRef?.Name == ownerSecret), Is.Empty, container.Name);
            }
            Assert.That(Manifests.Env(Api, "Hosting__Mode").Value, Is.EqualTo("api"));
            Assert.That(Manifests.Env(Worker, "Hosting__Mode").Value, Is.EqualTo("worker"));
        });
    }

    [Test]
    public void The_service_runs_non_root_on_a_read_only_root_filesystem_with_requests_and_limits()
    {
        var pods = new[]
        {
            Manifests.One<V1Deployment>("trialmanager-api").Spec.Template.Spec,
            Manifests.One<V1Deployment>("trialmanager-worker").Spec.Template.Spec,
            Manifests.One<V1Job>("trialmanager-migrate").Spec.Template.Spec,
        };
        foreach (var pod in pods)
        {
            var container = pod.Containers.Single();
            Assert.Multiple(() =>
            {
                Assert.That(pod.SecurityContext.RunAsNonRoot, Is.True, container.Name);
                Assert.That(pod.AutomountServiceAccountToken, Is.False, container.Name);
                Assert.That(container.SecurityContext.ReadOnlyRootFilesystem, Is.True, container.Name);
                Assert.That(container.SecurityContext.AllowPrivilegeEscalation, Is.False, container.Name);
                Assert.That(container.SecurityContext.Capabilities.Drop, Is.EqualTo(new[] { "ALL" }), container.Name);
                var tmp = container.VolumeMounts.Single(m => m.MountPath == "/tmp");
                Assert.That(pod.Volumes.Single(v => v.Name == tmp.Name).EmptyDir, Is.Not.Null, container.Name);
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    var request = container.Resources.Requests[resource].ToDecimal();
                    Assert.That(request, Is.GreaterThan(0m), $"{container.Name} {resource}");
                    Assert.That(container.Resources.Limits[resource].ToDecimal(), Is.GreaterThanOrEqualTo(request), $"{container.Name} {resource}");
                }
            });
        }
    }

    [Test]
    public void The_api_scales_from_two_replicas_is_disrupted_one_at_a_time_and_is_reached_through_its_service_and_ingress()
    {
        var deployment = Manifests.One<V1Deployment>("trialmanager-api");
        var podLabels = deployment.Spec.Template.Metadata.Labels;
        var autoscaler = Manifests.All<V2HorizontalPodAutoscaler>().Single();
        var budget = Manifests.All<V1PodDisruptionBudget>().Single();
        var service = Manifests.One<V1Service>("trialmanager-api");
        var ingress = Manifests.All<V1Ingress>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(deployment.Spec.Replicas, Is.Null, "the autoscaler owns the count");
            Assert.That((autoscaler.Spec.ScaleTargetRef.Kind, autoscaler.Spec.ScaleTargetRef.Name), Is.EqualTo(("Deployment", "trialmanager-api")));
            Assert.That(autoscaler.Spec.MinReplicas, Is.GreaterThanOrEqualTo(overlay == "production" ? 3 : 2));
            Assert.That(autoscaler.Spec.MaxReplicas, Is.GreaterThan(autoscaler.Spec.MinReplicas ?? 1));
            Assert.That(budget.Spec.MaxUnavailable.Value, Is.EqualTo("1"));
            Assert.That(budget.Spec.Selector.MatchLabels, Is.SubsetOf(podLabels));
            Assert.That(service.Spec.Selector, Is.SubsetOf(podLabels));
            Assert.That(service.Spec.Ports.Single().TargetPort.Value, Is.EqualTo("http"));
            var backend = ingress.Spec.Rules.Single().Http.Paths.Single().Backend.Service;
            Assert.That((backend.Name, backend.Port.Name), Is.EqualTo((service.Metadata.Name, service.Spec.Ports.Single().Name)));
            Assert.That(Manifests.One<V1Deployment>("trialmanager-worker").Spec.Replicas, Is.GreaterThanOrEqualTo(overlay == "production" ? 3 : 1));
            Assert.That(int.Parse(((YamlMappingNode)Manifests.Custom("Cluster")["spec"])["instances"].ToString()),
                Is.EqualTo(overlay == "production" ? 3 : 1));
        });
    }

    [Test]
    public void Export_files_are_kept_where_the_api_and_every_worker_reach_them()
    {
        Assert.Multiple(() =>
        {
            if (overlay == "production")
                foreach (var container in new[] { Api, Worker })
                {
                    Assert.That(Manifests.Env(container, "Exports__Storage").Value, Is.EqualTo("s3"), container.Name);
                    Assert.That(Uri.IsWellFormedUriString(Manifests.Env(container, "Exports__S3__ServiceUrl").Value, UriKind.Absolute), container.Name);
                    Assert.That(Manifests.Env(container, "Exports__S3__Bucket").Value, Is.Not.Empty, container.Name);
                    foreach (var credential in new[] { "Exports__S3__AccessKey", "Exports__S3__SecretKey" })
                        Assert.That(Manifests.Env(container, credential).Secret, Is.Not.Null, $"{container.Name} {credential}");
                }
            else
            {
                // The folder storage, on one volume that both mount at the configured path.
                var claims = new[] { "trialmanager-api", "trialmanager-worker" }.Select(name =>
                {
                    var pod = Manifests.One<V1Deployment>(name).Spec.Template.Spec;
                    var container = pod.Containers.Single();
                    Assert.That(Manifests.Env(container, "Exports__Storage").Value, Is.Null.Or.EqualTo("folder"), name);
                    var path = Manifests.Env(container, "Exports__Path").Value;
                    var mount = container.VolumeMounts.SingleOrDefault(m => m.MountPath == path);
                    Assert.That(mount, Is.Not.Null, $"{name} mounts {path}");
                    return pod.Volumes.Single(v => v.Name == mount!.Name).PersistentVolumeClaim?.ClaimName;
                }).ToList();
                Assert.That(claims.Distinct().Single(), Is.Not.Null);
                Assert.That(Manifests.All<V1PersistentVolumeClaim>().Select(c => c.Metadata.Name), Does.Contain(claims[0]));
            }
        });
    }

    [Test]
    public void Production_logs_json_and_sends_telemetry_while_dev_logs_plain_text()
    {
        var production = overlay == "production";
        Assert.Multiple(() =>
        {
            foreach (var container in new[] { Api, Worker, Migrations })
                Assert.That(Manifests.Env(container, "Logging__Console__FormatterName").Value, production ? Is.EqualTo("json") : Is.Null, container.Name);
            foreach (var container in new[] { Api, Worker })
            {
                var collector = Manifests.Env(container, "OTEL_EXPORTER_OTLP_ENDPOINT").Value;
                // Without a collector (dev) the exporter stays off rather than failing at every export.
                Assert.That(production ? Uri.IsWellFormedUriString(collector, UriKind.Absolute) : collector is null, container.Name);
            }
            Assert.That(Manifests.All<V1Ingress>().Single().Spec.Tls, production ? Is.Not.Empty : Is.Null);
        });
    }

    [GeneratedRegex("password|secret|token|accesskey", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(?:^|;)Password=\$\(([A-Z_]+)\)(?:;|$)")]
    private static partial Regex ConnectionPassword();
}
