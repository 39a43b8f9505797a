package stack

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"

	"github.com/shopstream/shopstream/emulator/awsapi"
)

// PhysicalName is the name CloudFormation would generate for a resource
// whose template gives none ("<stack>-<logicalId>-<SUFFIX>"), cut to maxLen.
// Unlike CloudFormation's random suffix it is derived from the stack and
// logical id, so a restart finds the same table, queue or function again.
func PhysicalName(stackName, logicalID string, maxLen int) string {
	sum := sha256.Sum256([]byte(stackName + "/" + logicalID))
	suffix := base32.StdEncoding.EncodeToString(sum[:])[:12]
	prefix := stackName + "-" + logicalID
	if maxLen > 0 && len(prefix)+1+len(suffix) > maxLen {
		n := maxLen - 1 - len(suffix)
		if n < 0 {
			n = 0
		}
		prefix = prefix[:n]
	}
	return prefix + "-" + suffix
}

// StackID is the AWS::StackId of a locally deployed stack: an ARN stable
// across restarts.
func StackID(stackName string) string {
	sum := sha256.Sum256([]byte("stack/" + stackName))
	h := hex.EncodeToString(sum[:])
	return awsapi.ARN("cloudformation", "stack/"+stackName+"/"+h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:32])
}
