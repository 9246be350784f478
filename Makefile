# Used by `sam build` (template.yaml: Metadata BuildMethod makefile). SAM calls build-<LogicalId>
# with ARTIFACTS_DIR set; each function gets only its own shaded jar, in lib/ where the Java
# runtime puts it on the classpath. The Maven reactor builds core once per target (cached in target/).
MVN ?= mvn -B -q
define lambda_jar
	$(MVN) -pl $(1) -am package -DskipTests
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp $(1)/target/switchboard-$(1)-lambda.jar "$(ARTIFACTS_DIR)/lib/"
endef

build-ConnectFunction:
	$(call lambda_jar,connect-handler)

build-MessageFunction:
	$(call lambda_jar,message-handler)

build-BroadcastFunction:
	$(call lambda_jar,message-handler)

build-DisconnectFunction:
	$(call lambda_jar,disconnect-handler)

build-ExpiredConnectionsFunction:
	$(call lambda_jar,disconnect-handler)

.PHONY: build-ConnectFunction build-MessageFunction build-BroadcastFunction build-DisconnectFunction build-ExpiredConnectionsFunction
