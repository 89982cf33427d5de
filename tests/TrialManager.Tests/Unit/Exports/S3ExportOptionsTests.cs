using TrialManager.Api.Features.Exports;

namespace TrialManager.Tests.Unit.Exports;

/// <summary>S3 settings that cannot work stop the process at start-up, each problem naming its setting.</summary>
public sealed class S3ExportOptionsTests
{
    private static S3ExportOptions Usable() => new() { ServiceUrl = "http://minio:9000", Bucket = "exports" };

    [Test]
    public void Settings_with_an_address_and_a_bucket_are_usable_with_the_credential_chain() =>
        Assert.That(Usable().Problems(), Is.Empty);

    [Test]
    public void Missing_address_and_bucket_name_their_settings()
    {
        var problems = new S3ExportOptions().Problems();
        Assert.That(problems, Has.Some.StartsWith("Exports:S3:ServiceUrl is required")
            .And.Some.StartsWith("Exports:S3:Bucket is required"));
    }

    [TestCase("minio:9000")]
    [TestCase("ftp://minio")]
    [TestCase("/relative")]
    public void An_address_that_is_not_http_is_refused(string url)
    {
        var options = Usable();
        options.ServiceUrl = url;
        Assert.That(options.Problems(), Is.EqualTo(new[] { $"Exports:S3:ServiceUrl must be an absolute http or https address, not '{url}'." }));
    }

    [Test]
    public void An_access_key_without_its_secret_is_refused()
    {
        var options = Usable();
        options.AccessKey = "AKIA0000";
        Assert.That(options.Problems(), Has.One.Contains("Exports:S3:AccessKey and Exports:S3:SecretKey go together"));
    }
}
