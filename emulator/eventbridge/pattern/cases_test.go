package pattern_test

import "fmt"

// matchCase is one pattern/event pair with its expected outcome. The cases
// follow the examples of the EventBridge user guide ("Creating event
// patterns", "Content filtering in event patterns", "Matching on null values
// and empty strings", "Arrays in event patterns") for every operator, the
// array rule and $or; where the guide shows only the matching event, a
// near-miss event is added to pin the edge.
type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

// ev wraps detail in the envelope of the guide's example EC2 event.
func ev(detail string) string {
	return envAt("2017-12-22T18:43:48Z", detail)
}

func envAt(time, detail string) string {
	return fmt.Sprintf(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",`+
		`"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",`+
		`"account":"111122223333","time":%q,"region":"us-west-1",`+
		`"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],"detail":%s}`, time, detail)
}

// resourcesEvent is the guide's array example: the pattern matches when any
// of its values equals any element of the event array.
func resourcesEvent(resources string) string {
	return fmt.Sprintf(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",`+
		`"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",`+
		`"account":"111122223333","time":"2017-12-22T18:43:48Z","region":"us-west-1",`+
		`"resources":%s,"detail":{"state":"running"}}`, resources)
}

var matchCases = []matchCase{
	// Exact values, the guide's first example.
	{"exact/ec2 terminated", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`, ev(`{"instance-id":"i-1234567890abcdef0","state":"terminated"}`), true},
	{"exact/ec2 running not terminated", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`, ev(`{"instance-id":"i-1234567890abcdef0","state":"running"}`), false},
	{"exact/other source", `{"source":["aws.s3"]}`, ev(`{"state":"running"}`), false},
	{"exact/one of several values", `{"detail":{"state":["pending","running"]}}`, ev(`{"state":"running"}`), true},
	{"exact/case sensitive", `{"detail":{"state":["Running"]}}`, ev(`{"state":"running"}`), false},
	{"exact/missing field", `{"detail":{"state":["running"]}}`, ev(`{"instance-id":"i-1"}`), false},
	{"exact/number", `{"detail":{"count":[5]}}`, ev(`{"count":5}`), true},
	{"exact/number numeric equality", `{"detail":{"count":[5]}}`, ev(`{"count":5.0}`), true},
	{"exact/number exponent form", `{"detail":{"x-limit":[3.018e2]}}`, ev(`{"x-limit":301.8}`), true},
	{"exact/string is not number", `{"detail":{"count":["5"]}}`, ev(`{"count":5}`), false},
	{"exact/number is not string", `{"detail":{"count":[5]}}`, ev(`{"count":"5"}`), false},
	{"exact/true", `{"detail":{"enabled":[true]}}`, ev(`{"enabled":true}`), true},
	{"exact/true vs false", `{"detail":{"enabled":[true]}}`, ev(`{"enabled":false}`), false},
	{"exact/true vs string", `{"detail":{"enabled":[true]}}`, ev(`{"enabled":"true"}`), false},
	{"exact/nested three levels", `{"detail":{"a":{"b":{"c":["x"]}}}}`, ev(`{"a":{"b":{"c":"x"}}}`), true},
	{"exact/nested wrong value", `{"detail":{"a":{"b":{"c":["x"]}}}}`, ev(`{"a":{"b":{"c":"y"}}}`), false},
	{"exact/pattern object vs event scalar", `{"detail":{"a":{"b":["x"]}}}`, ev(`{"a":"x"}`), false},
	{"exact/fields outside pattern ignored", `{"detail":{"state":["running"]}}`, ev(`{"state":"running","other":{"deep":[1,2]}}`), true},

	// Null values and empty strings.
	{"null/empty string", `{"detail":{"eventVersion":[""]}}`, ev(`{"eventVersion":"","responseElements":null}`), true},
	{"null/null", `{"detail":{"responseElements":[null]}}`, ev(`{"eventVersion":"","responseElements":null}`), true},
	{"null/empty string is not null", `{"detail":{"responseElements":[""]}}`, ev(`{"eventVersion":"","responseElements":null}`), false},
	{"null/null is not empty string", `{"detail":{"eventVersion":[null]}}`, ev(`{"eventVersion":"","responseElements":null}`), false},
	{"null/absent is not null", `{"detail":{"missing":[null]}}`, ev(`{"eventVersion":""}`), false},

	// Arrays.
	{"array/pattern value in event array", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}`,
		resourcesEvent(`["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]`), true},
	{"array/event array with other values", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`,
		resourcesEvent(`["arn:aws:ec2:us-east-1:000000000000:instance/i-1","arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]`), true},
	{"array/no common element", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`,
		resourcesEvent(`["arn:aws:ec2:us-east-1:000000000000:instance/i-1"]`), false},
	{"array/empty event array", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}`, resourcesEvent(`[]`), false},
	{"array/numbers in event array", `{"detail":{"codes":[404]}}`, ev(`{"codes":[200,404,500]}`), true},
	{"array/objects any element", `{"detail":{"items":{"sku":["B"]}}}`, ev(`{"items":[{"sku":"A"},{"sku":"B"}]}`), true},
	{"array/objects none", `{"detail":{"items":{"sku":["C"]}}}`, ev(`{"items":[{"sku":"A"},{"sku":"B"}]}`), false},
	{"array/fields within one element", `{"detail":{"items":{"sku":["A"],"qty":[2]}}}`, ev(`{"items":[{"sku":"A","qty":2},{"sku":"B","qty":1}]}`), true},
	{"array/fields across elements do not match", `{"detail":{"items":{"sku":["A"],"qty":[1]}}}`, ev(`{"items":[{"sku":"A","qty":2},{"sku":"B","qty":1}]}`), false},

	// Prefix.
	{"prefix/time", `{"time":[{"prefix":"2017-10-02"}]}`, envAt("2017-10-02T15:32:11Z", `{}`), true},
	{"prefix/time other day", `{"time":[{"prefix":"2017-10-02"}]}`, envAt("2017-10-03T15:32:11Z", `{}`), false},
	{"prefix/region", `{"region":[{"prefix":"us-"}]}`, ev(`{}`), true},
	{"prefix/case sensitive", `{"detail":{"name":[{"prefix":"alice"}]}}`, ev(`{"name":"Alice"}`), false},
	{"prefix/equals-ignore-case", `{"detail":{"name":[{"prefix":{"equals-ignore-case":"alice"}}]}}`, ev(`{"name":"ALICE's Bakery"}`), true},
	{"prefix/equals-ignore-case miss", `{"detail":{"name":[{"prefix":{"equals-ignore-case":"alice"}}]}}`, ev(`{"name":"Bob"}`), false},
	{"prefix/not on numbers", `{"detail":{"code":[{"prefix":"4"}]}}`, ev(`{"code":404}`), false},
	{"prefix/empty prefix matches any string", `{"detail":{"name":[{"prefix":""}]}}`, ev(`{"name":"x"}`), true},
	{"prefix/in event array", `{"detail":{"tags":[{"prefix":"env:"}]}}`, ev(`{"tags":["team:a","env:prod"]}`), true},

	// Suffix.
	{"suffix/png", `{"detail":{"FileName":[{"suffix":".png"}]}}`, ev(`{"FileName":"image.png"}`), true},
	{"suffix/jpg", `{"detail":{"FileName":[{"suffix":".png"}]}}`, ev(`{"FileName":"image.jpg"}`), false},
	{"suffix/case sensitive", `{"detail":{"FileName":[{"suffix":".png"}]}}`, ev(`{"FileName":"image.PNG"}`), false},
	{"suffix/equals-ignore-case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, ev(`{"FileName":"image.PNG"}`), true},
	{"suffix/equals-ignore-case miss", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, ev(`{"FileName":"image.gif"}`), false},
	{"suffix/not on numbers", `{"detail":{"code":[{"suffix":"4"}]}}`, ev(`{"code":404}`), false},

	// Anything-but.
	{"anything-but/string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, ev(`{"state":"running"}`), true},
	{"anything-but/string excluded", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, ev(`{"state":"initializing"}`), false},
	{"anything-but/absent field", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, ev(`{"other":"x"}`), false},
	{"anything-but/number", `{"detail":{"x-limit":[{"anything-but":123}]}}`, ev(`{"x-limit":456}`), true},
	{"anything-but/number excluded", `{"detail":{"x-limit":[{"anything-but":123}]}}`, ev(`{"x-limit":123}`), false},
	{"anything-but/string list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, ev(`{"state":"running"}`), true},
	{"anything-but/string list excluded", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, ev(`{"state":"overloaded"}`), false},
	{"anything-but/number list", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, ev(`{"x-limit":301.8}`), true},
	{"anything-but/number list excluded", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, ev(`{"x-limit":200}`), false},
	{"anything-but/event array with other value", `{"detail":{"state":[{"anything-but":"stopped"}]}}`, ev(`{"state":["stopped","running"]}`), true},
	{"anything-but/event array all excluded", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, ev(`{"state":["stopped","overloaded"]}`), false},
	{"anything-but/prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, ev(`{"state":"running"}`), true},
	{"anything-but/prefix excluded", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, ev(`{"state":"initializing"}`), false},
	{"anything-but/suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, ev(`{"FileName":"notes.md"}`), true},
	{"anything-but/suffix excluded", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, ev(`{"FileName":"notes.txt"}`), false},
	{"anything-but/wildcard", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, ev(`{"FilePath":"/usr/bin/go"}`), true},
	{"anything-but/wildcard excluded", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, ev(`{"FilePath":"/usr/lib/libc.so"}`), false},
	{"anything-but/wildcard list", `{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}}`, ev(`{"FilePath":"/etc/hosts"}`), true},
	{"anything-but/wildcard list excluded", `{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}}`, ev(`{"FilePath":"/usr/bin/go"}`), false},
	{"anything-but/equals-ignore-case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"Stopped"}}]}}`, ev(`{"state":"running"}`), true},
	{"anything-but/equals-ignore-case excluded", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"Stopped"}}]}}`, ev(`{"state":"STOPPED"}`), false},
	{"anything-but/equals-ignore-case list excluded", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}]}}`, ev(`{"state":"overloaded"}`), false},
	{"anything-but/equals-ignore-case list", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Stopped","OverLoaded"]}}]}}`, ev(`{"state":"pending"}`), true},

	// Numeric.
	{"numeric/guide example", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`, ev(`{"c-count":5,"d-count":7,"x-limit":301.8}`), true},
	{"numeric/upper bound inclusive", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}}`, ev(`{"c-count":5}`), true},
	{"numeric/above range", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}}`, ev(`{"c-count":6}`), false},
	{"numeric/lower bound exclusive", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}}`, ev(`{"c-count":0}`), false},
	{"numeric/lower bound inclusive", `{"detail":{"c-count":[{"numeric":[">=",0,"<",5]}]}}`, ev(`{"c-count":0}`), true},
	{"numeric/upper bound exclusive", `{"detail":{"c-count":[{"numeric":[">=",0,"<",5]}]}}`, ev(`{"c-count":5}`), false},
	{"numeric/less than", `{"detail":{"d-count":[{"numeric":["<",10]}]}}`, ev(`{"d-count":9.99}`), true},
	{"numeric/negative", `{"detail":{"delta":[{"numeric":["<",0]}]}}`, ev(`{"delta":-3}`), true},
	{"numeric/equals", `{"detail":{"x-limit":[{"numeric":["=",301.8]}]}}`, ev(`{"x-limit":301.8}`), true},
	{"numeric/equals miss", `{"detail":{"x-limit":[{"numeric":["=",301.8]}]}}`, ev(`{"x-limit":301.9}`), false},
	{"numeric/string value never numeric", `{"detail":{"c-count":[{"numeric":[">",0]}]}}`, ev(`{"c-count":"5"}`), false},
	{"numeric/absent", `{"detail":{"c-count":[{"numeric":[">",0]}]}}`, ev(`{"d-count":5}`), false},
	{"numeric/any element of array", `{"detail":{"scores":[{"numeric":[">=",90]}]}}`, ev(`{"scores":[12,95,40]}`), true},
	{"numeric/greater than", `{"detail":{"price":[{"numeric":[">",100]}]}}`, ev(`{"price":100.5}`), true},

	// Exists.
	{"exists/true present", `{"detail":{"c-count":[{"exists":true}]}}`, ev(`{"c-count":5}`), true},
	{"exists/true absent", `{"detail":{"c-count":[{"exists":true}]}}`, ev(`{"d-count":5}`), false},
	{"exists/false absent", `{"detail":{"c-count":[{"exists":false}]}}`, ev(`{"d-count":5}`), true},
	{"exists/false present", `{"detail":{"c-count":[{"exists":false}]}}`, ev(`{"c-count":5}`), false},
	{"exists/false no detail fields", `{"detail":{"c-count":[{"exists":false}]}}`, ev(`{}`), true},
	{"exists/true string value", `{"detail":{"state":[{"exists":true}]}}`, ev(`{"state":"running"}`), true},
	{"exists/true empty string", `{"detail":{"state":[{"exists":true}]}}`, ev(`{"state":""}`), true},
	{"exists/true null value counts", `{"detail":{"responseElements":[{"exists":true}]}}`, ev(`{"responseElements":null}`), true},
	{"exists/false object is not a leaf", `{"detail":{"c-count":[{"exists":false}]}}`, ev(`{"c-count":{"c1":100}}`), true},
	{"exists/false with other fields matching", `{"source":["aws.ec2"],"detail":{"error":[{"exists":false}]}}`, ev(`{"state":"running"}`), true},

	// equals-ignore-case.
	{"equals-ignore-case/detail-type", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, ev(`{}`), true},
	{"equals-ignore-case/different text", `{"detail-type":[{"equals-ignore-case":"ec2 instance launch"}]}`, ev(`{}`), false},
	{"equals-ignore-case/mixed case", `{"detail":{"state":[{"equals-ignore-case":"RuNnInG"}]}}`, ev(`{"state":"running"}`), true},
	{"equals-ignore-case/not on numbers", `{"detail":{"code":[{"equals-ignore-case":"5"}]}}`, ev(`{"code":5}`), false},

	// Wildcard.
	{"wildcard/event bus arn", `{"detail":{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}}`, ev(`{"EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/myBus"}`), true},
	{"wildcard/event bus arn other region", `{"detail":{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}}`, ev(`{"EventBusArn":"arn:aws:events:us-west-2:123456789012:event-bus/myBus"}`), false},
	{"wildcard/dir glob", `{"detail":{"FilePath":[{"wildcard":"dir/*.png"}]}}`, ev(`{"FilePath":"dir/image.png"}`), true},
	{"wildcard/dir glob crosses slash", `{"detail":{"FilePath":[{"wildcard":"dir/*.png"}]}}`, ev(`{"FilePath":"dir/sub/image.png"}`), true},
	{"wildcard/dir glob wrong extension", `{"detail":{"FilePath":[{"wildcard":"dir/*.png"}]}}`, ev(`{"FilePath":"dir/image.jpg"}`), false},
	{"wildcard/star only", `{"detail":{"name":[{"wildcard":"*"}]}}`, ev(`{"name":"anything"}`), true},
	{"wildcard/no star exact", `{"detail":{"name":[{"wildcard":"abc"}]}}`, ev(`{"name":"abcd"}`), false},
	{"wildcard/escaped star literal", `{"detail":{"name":[{"wildcard":"a\\*b"}]}}`, ev(`{"name":"a*b"}`), true},
	{"wildcard/escaped star is not wildcard", `{"detail":{"name":[{"wildcard":"a\\*b"}]}}`, ev(`{"name":"axxb"}`), false},
	{"wildcard/two stars", `{"detail":{"name":[{"wildcard":"*/lib/*"}]}}`, ev(`{"name":"/usr/lib/x"}`), true},

	// CIDR.
	{"cidr/ipv4 in range", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`, ev(`{"sourceIPAddress":"10.0.0.255"}`), true},
	{"cidr/ipv4 out of range", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`, ev(`{"sourceIPAddress":"10.0.1.0"}`), false},
	{"cidr/ipv6 in range", `{"detail":{"sourceIPAddress":[{"cidr":"bcde:0:0:0:0:0:0:0/64"}]}}`, ev(`{"sourceIPAddress":"bcde::1:2:3:4"}`), true},
	{"cidr/ipv6 out of range", `{"detail":{"sourceIPAddress":[{"cidr":"bcde:0:0:0:0:0:0:0/64"}]}}`, ev(`{"sourceIPAddress":"bcde:0:0:1::1"}`), false},
	{"cidr/not an address", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`, ev(`{"sourceIPAddress":"example.com"}`), false},

	// $or.
	{"or/top level first branch", `{"source":["aws.ec2"],"$or":[{"detail-type":["EC2 Instance State-change Notification"]},{"detail":{"state":["stopped"]}}]}`, ev(`{"state":"running"}`), true},
	{"or/top level second branch", `{"source":["aws.ec2"],"$or":[{"detail-type":["Other"]},{"detail":{"state":["running"]}}]}`, ev(`{"state":"running"}`), true},
	{"or/no branch", `{"source":["aws.ec2"],"$or":[{"detail-type":["Other"]},{"detail":{"state":["stopped"]}}]}`, ev(`{"state":"running"}`), false},
	{"or/with failing sibling field", `{"source":["aws.s3"],"$or":[{"detail-type":["EC2 Instance State-change Notification"]},{"detail":{"state":["running"]}}]}`, ev(`{"state":"running"}`), false},
	{"or/guide numeric branches", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`, ev(`{"c-count":50,"d-count":50,"x-limit":301.8}`), true},
	{"or/guide numeric no branch", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`, ev(`{"c-count":50,"d-count":50,"x-limit":1}`), false},
	{"or/nested inside branch", `{"source":["aws.ec2"],"$or":[{"detail":{"$or":[{"a":["1"]},{"b":["2"]}]}},{"region":["eu-west-1"]}]}`, ev(`{"b":"2"}`), true},
	{"or/exists false branch", `{"detail":{"$or":[{"state":["stopped"]},{"error":[{"exists":false}]}]}}`, ev(`{"state":"running"}`), true},

	// Operators combined, the guide's complex example.
	{"combined/guide example", `{"time":[{"prefix":"2017-10-02"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}`,
		envAt("2017-10-02T15:32:11Z", `{"state":"running","c-count":5,"d-count":7,"x-limit":301.8}`), true},
	{"combined/guide example one field off", `{"time":[{"prefix":"2017-10-02"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}`,
		envAt("2017-10-02T15:32:11Z", `{"state":"running","c-count":5,"d-count":7,"x-limit":300}`), false},
	{"combined/exact or prefix in one list", `{"detail":{"state":["stopped",{"prefix":"run"}]}}`, ev(`{"state":"running"}`), true},
	{"combined/exact or numeric in one list", `{"detail":{"code":["none",{"numeric":[">=",500]}]}}`, ev(`{"code":503}`), true},
	{"combined/exists or value", `{"detail":{"code":[{"exists":false},500]}}`, ev(`{"code":404}`), false},
}

// invalidCase is a pattern AWS rejects, with the reason it gives.
type invalidCase struct {
	name    string
	pattern string
	reason  string
}

var invalidCases = []invalidCase{
	{"not an object", `["aws.ec2"]`, "Filter is not an object"},
	{"scalar field", `{"source":"aws.ec2"}`, `"source" must be an object or an array`},
	{"unknown match type", `{"source":[{"foo":"x"}]}`, "Unrecognized match type foo"},
	{"nested array value", `{"source":[["aws.ec2"]]}`, "Match value must be String, number, true, false, or null"},
	{"numeric not array", `{"detail":{"c":[{"numeric":">"}]}}`, "Value of numeric must be an array."},
	{"numeric bad operator", `{"detail":{"c":[{"numeric":["!=",1]}]}}`, "Unrecognized numeric range operator: !="},
	{"numeric equals non-number", `{"detail":{"c":[{"numeric":["=","1"]}]}}`, "Value of equals must be numeric"},
	{"numeric equals with range", `{"detail":{"c":[{"numeric":["=",1,"<",2]}]}}`, "Too many elements in numeric expression"},
	{"numeric upper then lower", `{"detail":{"c":[{"numeric":["<",10,">",0]}]}}`, "Too many elements in numeric expression"},
	{"numeric two lower bounds", `{"detail":{"c":[{"numeric":[">",1,">=",2]}]}}`, "Bad numeric range operator: >="},
	{"numeric empty", `{"detail":{"c":[{"numeric":[]}]}}`, "Invalid member in numeric match"},
	{"numeric non-number bound", `{"detail":{"c":[{"numeric":[">","1"]}]}}`, "Value of > must be numeric"},
	{"numeric missing bound", `{"detail":{"c":[{"numeric":[">"]}]}}`, "Value of > must be numeric"},
	{"numeric empty range", `{"detail":{"c":[{"numeric":[">",5,"<",1]}]}}`, "Bottom must be less than top"},
	{"two keys in match", `{"source":[{"prefix":"a","suffix":"b"}]}`, "Only one key allowed in match expression"},
	{"prefix not string", `{"source":[{"prefix":5}]}`, "prefix match pattern must be a string"},
	{"exists not boolean", `{"source":[{"exists":"yes"}]}`, "exists match pattern must be either true or false."},
	{"anything-but boolean", `{"source":[{"anything-but":true}]}`, "Value of anything-but must be an array or single string/number value."},
	{"anything-but unsupported form", `{"source":[{"anything-but":{"numeric":[">",1]}}]}`, "Unsupported anything-but pattern: numeric"},
	{"cidr without mask", `{"ip":[{"cidr":"10.0.0.1"}]}`, "Malformed CIDR, one '/' required"},
	{"cidr bad address", `{"ip":[{"cidr":"10.0.0.300/24"}]}`, "Nonstandard IP address: 10.0.0.300/24"},
	{"wildcard consecutive stars", `{"source":[{"wildcard":"a**b"}]}`, "Consecutive wildcard characters at pos 2"},
	{"empty array", `{"source":[]}`, "Empty arrays are not allowed"},
	{"or single branch", `{"$or":[{"source":["a"]}]}`, "There must have at least 2 Objects in $or relationship."},
	{"or not an array", `{"$or":{"source":["a"]}}`, "It must be an Array followed with $or."},
	{"or with scalar", `{"$or":[{"source":["a"]},"b"]}`, "Only JSON object is allowed in array of $or relationship."},
	{"or with reserved field", `{"$or":[{"numeric":[1]},{"prefix":["a"]}]}`, "numeric is Ruler reserved fieldName which cannot be used inside $or."},
	{"anything-but mixed list", `{"source":[{"anything-but":["a",1]}]}`, "mixed type is not supported"},
	{"anything-but empty prefix", `{"source":[{"anything-but":{"prefix":""}}]}`, "Null prefix/suffix not allowed"},
	{"empty match expression", `{"source":[{}]}`, "Match expression name not found"},
	{"empty object", `{"detail":{}}`, "Empty objects are not allowed"},
	{"not json", `{"source":`, "unexpected EOF"},
}
