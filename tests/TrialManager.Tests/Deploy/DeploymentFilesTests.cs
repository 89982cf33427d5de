using YamlDotNet.RepresentationModel;

namespace TrialManager.Tests.Deploy;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine); CI checks its syntax with `docker-compose config -q`,
/// and these tests check that it says what the local scripts do.
/// </summary>
public sealed class DeploymentFilesTests
{
    private static string RepoFile(string path)
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TrialManager.sln")))
            dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), path);
    }

    private static YamlMappingNode Compose()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RepoFile("docker-compose.yml"))));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    [Test]
    public void Compose_runs_postgresql_15_and_the_api_built_by_the_dockerfile_with_health_checks()
    {
        var services = Map(Compose(), "services");
        var postgres = Map(services, "postgres");
        var api = Map(services, "api");
        Assert.Multiple(() =>
        {
            Assert.That(postgres["image"].ToString(), Does.StartWith("postgres:15"));
            Assert.That(postgres.Children.ContainsKey("healthcheck"));
            Assert.That(Map(api, "build")["dockerfile"].ToString(), Is.EqualTo("deploy/Dockerfile"));
            Assert.That(File.Exists(RepoFile("deploy/Dockerfile")));
            Assert.That(api.Children.ContainsKey("healthcheck"));
            Assert.That(Map(Map(api, "depends_on"), "postgres")["condition"].ToString(), Is.EqualTo("service_healthy"));
        });
    }

    [Test]
    public void Compose_uses_the_same_settings_as_the_service()
    {
        var environment = Map(Map(Map(Compose(), "services"), "api"), "environment");
        Assert.Multiple(() =>
        {
            Assert.That(environment["ConnectionStrings__TrialManager"].ToString(), Does.Contain("Host=postgres"));
            Assert.That(environment.Children.ContainsKey("Bootstrap__AdminToken"));
        });
    }

    [Test]
    public void Compose_sends_reminder_mail_to_a_development_smtp_server()
    {
        var services = Map(Compose(), "services");
        var environment = Map(Map(services, "api"), "environment");
        Assert.Multiple(() =>
        {
            Assert.That(Map(services, "smtp4dev")["image"].ToString(), Does.StartWith("rnwood/smtp4dev"));
            Assert.That(environment["Smtp__Host"].ToString(), Is.EqualTo("smtp4dev"));
            Assert.That(environment["Smtp__Port"].ToString(), Is.EqualTo("25"));
        });
    }

    [Test]
    public void Compose_commits_no_secret_beyond_development_defaults()
    {
        var text = File.ReadAllText(RepoFile("docker-compose.yml"));
        var environment = Map(Map(Map(Compose(), "services"), "api"), "environment");
        Assert.Multiple(() =>
        {
            Assert.That(environment["Bootstrap__AdminToken"].ToString(), Does.StartWith("${"), "the admin token comes from the environment");
            Assert.That(text, Does.Contain("${POSTGRES_PASSWORD:-"), "the database password can be overridden");
        });
    }

    [Test]
    public void The_dockerfile_is_multi_stage_and_runs_as_a_non_root_user()
    {
        var dockerfile = File.ReadAllText(RepoFile("deploy/Dockerfile"));
        Assert.That(dockerfile.Split('\n').Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2));
        Assert.That(dockerfile, Does.Contain("USER "));
        Assert.That(dockerfile, Does.Contain("HEALTHCHECK"));
    }
}
