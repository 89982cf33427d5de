using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// A write-only stream into one S3 object whose length is not known in advance: a multipart upload of parts of
/// <see cref="PartSize"/> bytes, with one part in memory at a time (an object smaller than one part is a single PUT).
/// Nothing is visible under the key until <see cref="CompleteAsync"/>; disposed without it (the writer failed or was
/// cancelled), the upload is aborted, so that neither an object nor its stored parts remain.
/// </summary>
public sealed class S3Upload(IAmazonS3 s3, string bucket, string key, ILogger logger) : Stream
{
    /// <summary>S3's smallest part is 5 MiB (but the last); 8 MiB parts keep a 1 GB export to 125 requests.</summary>
    public const int PartSize = 8 * 1024 * 1024;

    private readonly byte[] _part = GC.AllocateUninitializedArray<byte>(PartSize);
    private readonly List<PartETag> _parts = [];
    private int _filled;
    private long _written;
    private string? _uploadId;
    private bool _completed;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        while (buffer.Length > 0)
        {
            buffer = buffer[Fill(buffer.Span)..];
            if (_filled == PartSize)
                await UploadPartAsync(ct);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>Writers here write asynchronously; a synchronous write that fills a part waits for its upload.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            buffer = buffer[Fill(buffer)..];
            if (_filled == PartSize)
                UploadPartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Parts go up when full: a part cannot be flushed early (S3 refuses small parts but the last).</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Makes the object: uploads what is left and completes the upload.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_uploadId is null)
        {
            using var content = new MemoryStream(_part, 0, _filled, writable: false);
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = content, UseChunkEncoding = false }, ct);
        }
        else
        {
            if (_filled > 0)
                await UploadPartAsync(ct);
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                { BucketName = bucket, Key = key, UploadId = _uploadId, PartETags = _parts }, ct);
        }
        _completed = true;
    }

    private int Fill(ReadOnlySpan<byte> buffer)
    {
        var count = Math.Min(buffer.Length, PartSize - _filled);
        buffer[..count].CopyTo(_part.AsSpan(_filled));
        _filled += count;
        _written += count;
        return count;
    }

    private async Task UploadPartAsync(CancellationToken ct)
    {
        _uploadId ??= (await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, ct)).UploadId;
        var number = _parts.Count + 1;
        using var content = new MemoryStream(_part, 0, _filled, writable: false);
        var uploaded = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket, Key = key, UploadId = _uploadId, PartNumber = number, InputStream = content, PartSize = _filled,
            UseChunkEncoding = false,
        }, ct);
        _parts.Add(new PartETag(number, uploaded.ETag));
        _filled = 0;
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_completed && _uploadId is not null)
            await AbortAsync();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_completed && _uploadId is not null)
            AbortAsync().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    private async Task AbortAsync()
    {
        var uploadId = _uploadId!;
        _uploadId = null;
        try
        {
            await s3.AbortMultipartUploadAsync(bucket, key, uploadId, CancellationToken.None);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
        {
            // No object exists either way; the stored parts stay until a lifecycle rule for incomplete uploads removes them.
            logger.LogWarning(e, "Could not abort the multipart upload of {Key}; its parts remain in the bucket", key);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
