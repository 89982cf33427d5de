using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// Export files as objects in an S3-compatible store (AWS S3, MinIO, ...), so that API and worker replicas on
/// different machines share them. Addressed path-style (`{ServiceUrl}/{Bucket}/{key}`), which MinIO needs and S3
/// accepts. An export is written as it is produced, of a length unknown in advance: as a multipart upload of
/// <see cref="S3Upload.PartSize"/> parts, one part in memory at a time.
/// </summary>
public sealed class S3ExportStorage(IAmazonS3 s3, S3ExportOptions options, ILogger<S3ExportStorage> logger) : IExportStorage
{
    public async Task WriteAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        await using var upload = new S3Upload(s3, options.Bucket, ObjectKey(key), logger);
        await write(upload, ct);
        await upload.CompleteAsync(ct);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        try
        {
            var response = await s3.GetObjectAsync(options.Bucket, ObjectKey(key), ct);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>S3 answers a delete of a missing object with success, as the clean-up wants.</summary>
    public Task DeleteAsync(string key, CancellationToken ct) => s3.DeleteObjectAsync(options.Bucket, ObjectKey(key), ct);

    public async Task<bool> ExistsAsync(string key, CancellationToken ct)
    {
        try
        {
            await s3.GetObjectMetadataAsync(options.Bucket, ObjectKey(key), ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private string ObjectKey(string key) => options.Prefix.Trim('/') is { Length: > 0 } prefix ? $"{prefix}/{key}" : key;

    /// <summary>The client for the settings: their keys, or the SDK's standard credential chain when they are empty.</summary>
    public static IAmazonS3 CreateClient(S3ExportOptions options)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            AuthenticationRegion = options.Region,
            ForcePathStyle = true,
            // The SDK's default CRC checksums travel in trailers of aws-chunked bodies, which not every S3-compatible
            // server reads; S3 itself needs them only where an operation requires one.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        return options.AccessKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config)
            : new AmazonS3Client(config);
    }
}

/// <summary>Settings `Exports:S3:*`, read when `Exports:Storage` is `s3`.</summary>
public sealed class S3ExportOptions
{
    public const string Section = "Exports:S3";

    /// <summary>The endpoint, e.g. `http://minio:9000` or `https://s3.eu-west-2.amazonaws.com`.</summary>
    public string ServiceUrl { get; set; } = "";
    public string Bucket { get; set; } = "";
    public string Region { get; set; } = "us-east-1";

    /// <summary>Put before every key (`{Prefix}/{trialId}/{exportId}.zip`), so that one bucket can serve several installations.</summary>
    public string Prefix { get; set; } = "";
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";

    /// <summary>What is wrong with the settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ServiceUrl))
            problems.Add($"{Section}:ServiceUrl is required with Exports:Storage=s3 (e.g. http://minio:9000).");
        else if (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            problems.Add($"{Section}:ServiceUrl must be an absolute http or https address, not '{ServiceUrl}'.");
        if (string.IsNullOrWhiteSpace(Bucket))
            problems.Add($"{Section}:Bucket is required with Exports:Storage=s3.");
        if (string.IsNullOrWhiteSpace(Region))
            problems.Add($"{Section}:Region must not be empty (us-east-1 suits MinIO).");
        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
            problems.Add($"{Section}:AccessKey and {Section}:SecretKey go together: set both, or neither for the SDK's credential chain.");
        return problems;
    }

    public sealed class Validator(ExportOptions exports) : IValidateOptions<S3ExportOptions>
    {
        public ValidateOptionsResult Validate(string? name, S3ExportOptions options) =>
            exports.Storage != "s3" ? ValidateOptionsResult.Skip
            : options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
