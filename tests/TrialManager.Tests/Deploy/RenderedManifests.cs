using System.Diagnostics;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace TrialManager.Tests.Deploy;

/// <summary>
/// One overlay of deploy/kubernetes as `kubectl kustomize` renders it, every object loaded strictly: built-in kinds by
/// KubernetesClient's strict YAML loading (an unknown or misspelt field, or a wrong type, is an error), CloudNativePG's
/// by <see cref="CloudNativePgFields"/>.
/// </summary>
public sealed class RenderedManifests
{
    private readonly List<(string Kind, string Name, YamlMappingNode Yaml, object? Typed)> _objects = [];

    public IReadOnlyList<string> Problems { get; }

    private RenderedManifests(string rendered)
    {
        var problems = new List<string>();
        foreach (var document in Documents(rendered))
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(document));
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            var apiVersion = root["apiVersion"].ToString();
            var kind = root["kind"].ToString();
            var name = ((YamlMappingNode)root["metadata"])["name"].ToString();
            object? typed = null;
            if (apiVersion == CloudNativePgFields.ApiVersion && CloudNativePgFields.Knows(kind))
                problems.AddRange(CloudNativePgFields.Problems(kind, root).Select(p => $"{kind} {name}: {p}"));
            else
            {
                try
                {
                    typed = KubernetesYaml.LoadAllFromString(document, strict: true).Single();
                }
                catch (Exception e)
                {
                    problems.Add($"{kind} {name}: {e.GetBaseException().Message}");
                }
            }
            _objects.Add((kind, name, root, typed));
        }
        Problems = problems;
    }

    public static RenderedManifests Load(string rendered) => new(rendered);

    public static string Render(string kustomizationDirectory)
    {
        var kubectl = new ProcessStartInfo(Environment.GetEnvironmentVariable("KUBECTL") ?? "kubectl")
        {
            ArgumentList = { "kustomize", kustomizationDirectory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(kubectl)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException($"kubectl kustomize {kustomizationDirectory} did not finish within a minute.");
        }
        return process.ExitCode == 0
            ? output.Result
            : throw new InvalidOperationException($"kubectl kustomize {kustomizationDirectory} failed: {errors.Result}");
    }

    /// <summary>kubectl writes one object per document, separated by `---` lines.</summary>
    private static IEnumerable<string> Documents(string rendered) =>
        rendered.Split("\n---\n").Where(d => !string.IsNullOrWhiteSpace(d));

    public IEnumerable<T> All<T>() => _objects.Select(o => o.Typed).OfType<T>();

    public T One<T>(string name) where T : IMetadata<V1ObjectMeta> => All<T>().Single(o => o.Metadata.Name == name);

    public IEnumerable<(string Kind, string Name)> Kinds => _objects.Select(o => (o.Kind, o.Name));

    public YamlMappingNode Custom(string kind) => _objects.Single(o => o.Kind == kind).Yaml;

    /// <summary>
    /// What a container sees as an environment variable: its own `env` entry (a value, or the secret it is read
    /// from), else the ConfigMaps of its `envFrom`.
    /// </summary>
    public (string? Value, V1SecretKeySelector? Secret) Env(V1Container container, string name)
    {
        if (container.Env?.SingleOrDefault(e => e.Name == name) is { } own)
            return (own.Value, own.ValueFrom?.SecretKeyRef);
        foreach (var source in container.EnvFrom ?? [])
            if (source.ConfigMapRef is { } reference && All<V1ConfigMap>().Single(c => c.Metadata.Name == reference.Name)
                    .Data.TryGetValue(name, out var value))
                return (value, null);
        return (null, null);
    }
}
