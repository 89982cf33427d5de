using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TrialManager.Data.Requests;

/// <summary>
/// The result of a command sent with an Idempotency-Key, written in the command's own transaction, so that it exists
/// exactly when the command's effect does; a retry with the same key and request gets it instead of a second effect.
/// </summary>
public sealed class IdempotencyRecord
{
    public Guid UserId { get; init; }
    public required string Key { get; init; }

    /// <summary>SHA-256 of the request's method, path, query and body: the same key with another request is refused.</summary>
    public required byte[] RequestHash { get; init; }

    /// <summary>The command's result as JSON, from which the endpoint answers again as it did the first time.</summary>
    public required string Result { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> record)
    {
        record.ToTable("idempotency_records");
        record.HasKey(r => new { r.UserId, r.Key });
        record.Property(r => r.Key).HasMaxLength(200);
        record.Property(r => r.Result).HasColumnType("json");
        record.HasIndex(r => r.CreatedAt);
    }
}
